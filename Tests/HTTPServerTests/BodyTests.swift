import Foundation
import Testing
import HTTPServer

/// FNV-1a, to compare large bodies without echoing them.
func fingerprint(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    return h
}

func temporaryFile(_ bytes: [UInt8]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("httpserver-\(UUID().uuidString)")
    try Data(bytes).write(to: url)
    return url
}

let fingerprintHandler: Server.Handler = { request, respond in
    let expect = request.headers["Expect"] ?? "-"
    respond(.text("\(request.body.count) \(fingerprint(request.body)) \(expect)"))
}

@Suite("Request bodies")
struct BodyTests {
    static let payload: [UInt8] = (0..<1_500_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }

    @Test("chunked upload from curl")
    func chunkedWithCurl() throws {
        let t = try TestServer(handler: fingerprintHandler)
        defer { t.stop() }
        let body = Array(Self.payload.prefix(300_000))
        let file = try temporaryFile(body)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try Curl.run(["-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", "@\(file.path)", "\(t.url)/up"])
        #expect(r.exitCode == 0, "\(r.errors)")
        #expect(r.output == "300000 \(fingerprint(body)) -")
    }

    @Test("chunked body with extensions and trailers, then the connection is reused")
    func chunkedRaw() throws {
        let t = try TestServer { request, respond in respond(Response(status: 200, body: request.body)) }
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value;q=\"x y\"\r\nhello\r\n6 ; ext\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n")
        #expect(try c.readResponse().text == "hello world0123456789")
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        #expect(try c.readResponse().text == "abc")
    }

    @Test("curl's Expect: 100-continue for a body over 1 MiB is answered with 100 Continue")
    func expectContinueWithCurl() throws {
        let t = try TestServer(handler: fingerprintHandler)
        defer { t.stop() }
        let file = try temporaryFile(Self.payload)
        defer { try? FileManager.default.removeItem(at: file) }
        // curl would send the body anyway after --expect100-timeout; making that longer than
        // --max-time turns a missing 100 Continue into a failure.
        let r = try Curl.run(["--expect100-timeout", "30", "--max-time", "10", "--data-binary", "@\(file.path)", "\(t.url)/big"])
        #expect(r.exitCode == 0, "\(r.errors)")
        #expect(r.output == "\(Self.payload.count) \(fingerprint(Self.payload)) 100-continue")
    }

    @Test("100 Continue comes before the body is sent")
    func expectContinueRaw() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let interim = try c.readResponse()
        #expect(interim.status == 100)
        try c.send("hello")
        let final = try c.readResponse()
        #expect(final.status == 200)
        #expect(final.text == "POST /up 5")
    }

    @Test("a declared Content-Length over the limit gets 413 at once, without the body")
    func contentLengthTooLarge() throws {
        let t = try TestServer(configure: { $0.limits.maxBodyBytes = 1024 }, handler: TestServer.echo)
        defer { t.stop() }
        for expect in ["", "Expect: 100-continue\r\n"] {
            let c = try RawClient(port: t.port)
            try c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\(expect)\r\n")
            let reply = try c.readResponse()
            #expect(reply.status == 413, "with \(expect.debugDescription)")
            #expect(reply.header("Connection") == "close")
            #expect(try c.readUntilClosed().isEmpty)
        }
    }

    @Test("chunks adding up past the limit get 413 before their data is sent")
    func chunkedTooLarge() throws {
        let t = try TestServer(configure: { $0.limits.maxBodyBytes = 1024 }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n" + String(repeating: "a", count: 512) + "\r\n300\r\n")
        let reply = try c.readResponse()
        #expect(reply.status == 413)
        #expect(try c.readUntilClosed().isEmpty)
    }

    @Test("a body exactly at the limit is accepted")
    func bodyAtLimit() throws {
        let t = try TestServer(configure: { $0.limits.maxBodyBytes = 1024 }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + String(repeating: "a", count: 1024))
        #expect(try c.readResponse().text == "POST / 1024")
    }

    @Test("the admission hook refuses from the head: no 100 Continue, body never read")
    func admissionRefusesBeforeContinue() throws {
        let t = try TestServer(admission: { head in
            head.path == "/private" ? .text("no\n", status: 401) : nil
        }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("POST /private HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n")
        let reply = try c.readResponse()
        #expect(reply.status == 401)
        #expect(reply.header("Connection") == "close")
        #expect(try c.readUntilClosed().isEmpty)

        // Without a body to skip, a refusal keeps the connection usable.
        let d = try RawClient(port: t.port)
        try d.send("GET /private HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try d.readResponse().status == 401)
        try d.send("GET /public HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try d.readResponse().text == "GET /public 0")
    }

    @Test("an expectation other than 100-continue gets 417")
    func unknownExpectation() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 200-ok\r\n\r\n")
        #expect(try c.readResponse().status == 417)
        #expect(try c.readUntilClosed().isEmpty)
    }
}
