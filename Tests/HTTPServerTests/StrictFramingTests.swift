import Foundation
import Testing
import HTTPServer

/// Input that is refused before the request ends: the client has not finished (or never will), so
/// the answer must come from the bytes seen so far, not from the header or body timeouts, which
/// these servers set far beyond the client's receive timeout.
struct EarlyRefusal: Sendable, CustomTestStringConvertible {
    var name: String
    var partial: String
    var status: Int
    var testDescription: String { "\(status): \(name)" }

    init(_ name: String, _ partial: String, _ status: Int) {
        self.name = name
        self.partial = partial
        self.status = status
    }
}

let earlyRefusals: [EarlyRefusal] = [
    // RFC 9110 §15.6.6: 505 is for a major version the server does not support, so a well-formed
    // version other than 1.x gets 505; anything that cannot be an HTTP-version at all gets 400.
    EarlyRefusal("HTTP/5.6, request line complete, no header yet", "GET / HTTP/5.6\r\n", 505),
    EarlyRefusal("HTTP/5.6 before its CRLF", "GET / HTTP/5.6", 505),
    EarlyRefusal("HTTP/2.0 in a POST before its CRLF", "POST /v1/upscale HTTP/2.0\r", 505),
    EarlyRefusal("version that cannot become HTTP/x.y", "GET / HTTPS/1", 400),
    EarlyRefusal("version with more than one digit", "GET / HTTP/11", 400),
    EarlyRefusal("bytes after the version", "GET / HTTP/1.1 x", 400),
    EarlyRefusal("a third space", "GET / a HTTP/1.1", 400),
    EarlyRefusal("unknown method, version complete", "BREW / HTTP/1.1", 501),
    EarlyRefusal("header block starting with a space", "GET / HTTP/1.1\r\n Host: x", 400),
    EarlyRefusal("header block starting with a tab, nothing else yet", "GET / HTTP/1.1\r\n\t", 400),
    EarlyRefusal("obs-fold after a field", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2", 400),
    // RFC 9112 §7.1: chunk-size = 1*HEXDIG, then only ( BWS ";" BWS token [ BWS "=" BWS value ] )*.
    EarlyRefusal("chunk size followed by a word", chunkedHead + "2 xyz\r\n", 400),
    EarlyRefusal("chunk size followed by whitespace only", chunkedHead + "2 \r\n", 400),
    EarlyRefusal("chunk extension without a name", chunkedHead + "2;\r\n", 400),
    EarlyRefusal("chunk extension with a value but no name", chunkedHead + "2;=x\r\n", 400),
    EarlyRefusal("chunk extension with an empty value", chunkedHead + "2;a=\r\n", 400),
    EarlyRefusal("chunk extension name with a space inside", chunkedHead + "2;a b\r\n", 400),
    EarlyRefusal("chunk extension value with a space inside", chunkedHead + "2;a=b c\r\n", 400),
    EarlyRefusal("chunk extension name not a token", chunkedHead + "2;a@b\r\n", 400),
    EarlyRefusal("unterminated quoted chunk extension value", chunkedHead + "2;a=\"b\r\n", 400),
    EarlyRefusal("two values for one chunk extension", chunkedHead + "2;a=b=c\r\n", 400),
    EarlyRefusal("trailer field folded", chunkedHead + "0\r\nX-T: 1\r\n 2\r\n", 400),
    EarlyRefusal("trailer field without a colon", chunkedHead + "0\r\nX-T\r\n", 400),
]

@Suite("Strict framing")
struct StrictFramingTests {
    static func server() throws -> TestServer {
        try TestServer(configure: {
            $0.timeouts.headerRead = .seconds(120)
            $0.timeouts.bodyIdle = .seconds(120)
        }, handler: TestServer.echo)
    }

    @Test("refused from the bytes seen so far, then closed; a new connection is served", arguments: earlyRefusals)
    func refusedEarly(_ case_: EarlyRefusal) throws {
        let t = try Self.server()
        defer { t.stop() }
        let c = try RawClient(port: t.port, timeout: 10)
        try c.send(case_.partial)
        let reply = try c.readResponse()
        #expect(reply.status == case_.status)
        #expect(reply.header("Connection") == "close")
        #expect(try c.readUntilClosed().isEmpty)
        let fresh = try RawClient(port: t.port)
        try fresh.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try fresh.readResponse().text == "GET /next 0")
    }

    @Test("chunk extensions the grammar allows are accepted", arguments: [
        "5;a\r\nhello\r\n0\r\n\r\n",
        "5 ; a = b\r\nhello\r\n0\r\n\r\n",
        "5\t;\ta\t=\t\"q\"\r\nhello\r\n0;z\r\n\r\n",
        "5;a=\"x \\\" y;z=\"\r\nhello\r\n0\r\n\r\n",
        "5;a;b=c;d=\"\"\r\nhello\r\n0\r\n\r\n",
        "00005;n=!#$%&'*+-.^_`|~09az\r\nhello\r\n0\r\nX-T: t\r\n\r\n",
    ])
    func extensionsAccepted(_ body: String) throws {
        let t = try Self.server()
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send(chunkedHead + body)
        #expect(try c.readResponse().text == "POST / 5")
        try c.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().text == "GET /again 0")
    }

    @Test("a request line sent a byte at a time is still served")
    func requestLineByteAtATime() throws {
        let t = try Self.server()
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        for b in Array("\r\nGET /slow HTTP/1.1\r".utf8) { try c.send([b]) }
        try c.send("\nHost: x\r\n\r\n")
        #expect(try c.readResponse().text == "GET /slow 0")
    }
}
