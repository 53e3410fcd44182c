import Foundation
import HTTPServer
import Testing
import TestSupport

/// Cleartext HTTP/2 on the HTTP/1.1 port, with real clients: curl (prior knowledge and Upgrade) and
/// nghttp.
@Suite("HTTP/2")
struct HTTP2Tests {
    @Test("curl --http2-prior-knowledge is served over HTTP/2 and HTTP/1.1 still works on the same port")
    func priorKnowledge() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let h2 = try t.h2("/hello")
        #expect(h2.exitCode == 0, "\(h2.errors)")
        #expect(h2.output == "GET /hello 0\n2")
        let h1 = try Curl.run(["--http1.1", "-w", "\n%{http_version}", "\(t.url)/plain"])
        #expect(h1.output == "GET /plain 0\n1.1")
        #expect(t.completed.all.map(\.httpProtocol).sorted { $0.rawValue < $1.rawValue } == [.h2, .http1_1])
    }

    @Test("a body, its length and the handler's headers travel over HTTP/2 as over HTTP/1.1")
    func bodyAndHeaders() throws {
        let t = try TestServer { request, respond in
            var headers = HTTPHeaders()
            headers.add(name: "X-Echo-Type", value: request.headers["content-type"] ?? "none")
            headers.add(name: "Connection", value: "keep-alive")  // connection-specific: dropped over h2
            respond(Response(status: 201, headers: headers, body: request.body.reversed()))
        }
        defer { t.stop() }
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("h2-body-\(UUID().uuidString)")
        try Data(payload).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let out = file.appendingPathExtension("out")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try t.h2("/up", ["-H", "Content-Type: application/x-test", "--data-binary", "@\(file.path)",
                                 "-D", "-", "-o", out.path])
        #expect(r.exitCode == 0, "\(r.errors)")
        #expect(r.output.hasPrefix("HTTP/2 201"))
        #expect(r.output.contains("x-echo-type: application/x-test"))
        #expect(r.output.contains("content-length: 100000"))
        #expect(!r.output.lowercased().contains("connection:"))
        #expect(try [UInt8](Data(contentsOf: out)) == payload.reversed())
    }

    @Test("curl --http2 upgrades a request without a body (101, then stream 1 over HTTP/2)")
    func upgrade() throws {
        let seen = Recorder<Request>()
        let t = try TestServer { request, respond in
            seen.append(request)
            respond(.text("\(request.method.rawValue) \(request.path) \(request.headers.contains("Upgrade"))"))
        }
        defer { t.stop() }
        let r = try Curl.run(["--http2", "-v", "-w", "\n%{http_version}", "\(t.url)/up"])
        #expect(r.output == "GET /up false\n2")
        #expect(r.errors.contains("HTTP/1.1 101 Switching Protocols"))
        #expect(seen.all.first?.head.version == .http2)
        // The connection goes on as HTTP/2: a second URL on the same command line reuses it.
        let two = try Curl.run(["--http2", "-w", "%{http_version} ", "\(t.url)/a", "\(t.url)/b"])
        #expect(two.output == "GET /a false2 GET /b false2 ")
        #expect(t.opened.value == 2)
    }

    @Test("a request with a body that asks for the upgrade is served over HTTP/1.1")
    func upgradeWithBodyStaysHTTP1() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let r = try Curl.run(["--http2", "-v", "--data-binary", "abcdef", "-w", "\n%{http_version}", "\(t.url)/post"])
        #expect(r.output == "POST /post 6\n1.1")
        #expect(r.errors.contains("Upgrade: h2c"), "curl asked for the upgrade")
        #expect(!r.errors.contains("101"))
    }

    @Test("nghttp: requests over one connection, a slow stream does not hold up the others")
    func nghttpMultiplexes() throws {
        let fastAnswered = Flag()
        let t = try TestServer { request, respond in
            if request.path == "/slow" {
                DispatchQueue.global().async {
                    fastAnswered.wait(seconds: 10)
                    respond(.text("slow"))
                }
            } else {
                respond(.text("fast"))
                fastAnswered.set()
            }
        }
        defer { t.stop() }
        let r = try Program.run("/usr/bin/nghttp", ["-n", "--stat", "\(t.url)/slow", "\(t.url)/fast"])
        #expect(r.status == 0, "\(r.errors)")
        #expect(fastAnswered.value)
        #expect(t.opened.value == 1)
        #expect(Set(t.completed.all.map(\.path)) == ["/slow", "/fast"])
        #expect(t.completed.all.allSatisfy { $0.httpProtocol == .h2 && $0.status == 200 })
        #expect(t.streamsOpen.wait(for: 0))
    }

    @Test("nghttp uploads a body with -d")
    func nghttpUpload() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("h2-up-\(UUID().uuidString)")
        try Data(repeating: 0x41, count: 300_000).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try Program.run("/usr/bin/nghttp", ["-d", file.path, "\(t.url)/n"])
        #expect(r.status == 0, "\(r.errors)")
        #expect(r.output == "POST /n 300000")
    }

    @Test("more complete streams than dispatch slots wait in the connection and are all answered")
    func dispatchSlots() throws {
        let held = HeldResponses()
        let t = try TestServer(configure: { $0.http2.maxDispatchedStreams = 2 }) { request, respond in
            held.arrive { respond(.text(request.path)) }
        }
        defer { t.stop() }
        let urls = (0..<12).map { "\(t.url)/s\($0)" }
        let client = Recorder<Program.Outcome>()
        DispatchQueue.global().async {
            if let r = try? Program.run("/usr/bin/nghttp", ["-n", "-m", "1"] + urls) { client.append(r) }
        }
        // Answer one request at a time, each only once two are with the handler (or all have come).
        for answered in 0..<12 {
            #expect(held.waitForPending(atLeast: min(2, 12 - answered)))
            held.answerOne()
        }
        #expect(client.wait(seconds: 20) { $0.status == 0 })
        #expect(t.completed.all.count == 12)
        #expect(held.maxInFlight == 2)
    }

    @Test("HTTP/2 off: the preface is an HTTP/1.1 request line with version 2.0 (505), Upgrade is ignored")
    func disabled() throws {
        let t = try TestServer(configure: { $0.http2.enabled = false }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        #expect(try c.readResponse().status == 505)
        let r = try Curl.run(["--http2", "-w", "\n%{http_version}", "\(t.url)/x"])
        #expect(r.output == "GET /x 0\n1.1")
        #expect(try t.h2("/y").exitCode != 0)
    }

    @Test("a preface that stops half way gets 408 after the header timeout; the next connection is served")
    func partialPreface() throws {
        let t = try TestServer(configure: { $0.timeouts.headerRead = .milliseconds(300) }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("PRI * HTTP/2.0\r\n")
        #expect(try c.readResponse().status == 408)
        #expect(try t.h2("/next").output == "GET /next 0\n2")
    }

    @Test("a client's RST_STREAM marks its request's connection closed, so its queued job can be dropped")
    func resetClosesRequest() throws {
        let received = Recorder<Request>()
        let t = try TestServer { request, respond in
            if request.path == "/bystander" { respond(.text("ok")) } else { received.append(request) }  // never answers
        }
        defer { t.stop() }
        let r = try H2Frames.run("rapid_reset", port: t.port, 1)
        #expect(r.bystander == [200, 200])
        #expect(received.wait(seconds: 5) { $0.path == "/" })
        let request = try #require(received.all.first { $0.path == "/" })
        let closed = Flag()
        request.connection.onClose { closed.set() }
        #expect(closed.wait())
        #expect(request.head.version == .http2)
    }

    @Test("shutdown sends GOAWAY with the last stream id; the stream in flight still gets its answer")
    func gracefulShutdown() throws {
        let held = HeldRequest()
        let t = try TestServer(handler: held.handler)
        let client = Recorder<H2Frames.Outcome>()
        DispatchQueue.global().async {
            if let outcome = try? H2Frames.run("in_flight", port: t.port) { client.append(outcome) }
        }
        #expect(held.arrived.wait())
        let done = Flag()
        t.server.shutdown(drainTimeout: .seconds(10)) { done.set() }
        #expect(t.goaways.wait(seconds: 5) { $0 == "shutdown" })
        held.release.set()
        #expect(client.wait(seconds: 20) { _ in true })
        let outcome = try #require(client.all.first)
        #expect(outcome.goaway == H2Frames.Goaway(error_code: 0, last_stream_id: 1))
        #expect(outcome.responses["1"] == 200)
        #expect(outcome.closed)
        #expect(done.wait())
    }
}

/// Responses a test gives one at a time, counting how many requests were with the handler at once.
final class HeldResponses: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [@Sendable () -> Void] = []
    private var inFlight = 0
    private(set) var maxInFlight = 0

    func arrive(_ answer: @escaping @Sendable () -> Void) {
        condition.lock()
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        pending.append(answer)
        condition.broadcast()
        condition.unlock()
    }

    func waitForPending(atLeast n: Int, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while pending.count < n {
            if !condition.wait(until: deadline) { return pending.count >= n }
        }
        return true
    }

    func answerOne() {
        condition.lock()
        let answer = pending.isEmpty ? nil : pending.removeFirst()
        if answer != nil { inFlight -= 1 }
        condition.unlock()
        answer?()
    }
}
