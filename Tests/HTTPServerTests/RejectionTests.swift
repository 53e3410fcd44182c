import Foundation
import Testing
import HTTPServer

/// One malformed or refused request and the status it must get.
struct Rejection: Sendable, CustomTestStringConvertible {
    var name: String
    var request: String
    var status: Int
    var testDescription: String { "\(status): \(name)" }

    init(_ name: String, _ request: String, _ status: Int = 400) {
        self.name = name
        self.request = request
        self.status = status
    }
}

let chunkedHead = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"

let rejections: [Rejection] = [
    // framing that request smuggling relies on
    Rejection("Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    Rejection("repeated identical Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
    Rejection("differing Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
    Rejection("Content-Length list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello"),
    Rejection("Content-Length not a number", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
    Rejection("Content-Length with sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello"),
    Rejection("negative Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
    Rejection("Content-Length with inner space", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 0\r\n\r\n"),
    Rejection("Transfer-Encoding gzip, chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
    Rejection("Transfer-Encoding chunked twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
    Rejection("two Transfer-Encoding fields", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    Rejection("Transfer-Encoding identity", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n"),
    Rejection("Transfer-Encoding xchunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
    Rejection("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    // chunked syntax
    Rejection("invalid chunk size", chunkedHead + "zz\r\nhello\r\n0\r\n\r\n"),
    Rejection("empty chunk size", chunkedHead + "\r\nhello\r\n0\r\n\r\n"),
    Rejection("chunk size with 0x prefix", chunkedHead + "0x5\r\nhello\r\n0\r\n\r\n"),
    Rejection("chunk size overflowing", chunkedHead + "fffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
    Rejection("chunk extension abuse", chunkedHead + "5;" + String(repeating: "a", count: 2000) + "\r\nhello\r\n0\r\n\r\n"),
    Rejection("control byte in chunk extension", chunkedHead + "5;a=\u{01}\r\nhello\r\n0\r\n\r\n"),
    Rejection("missing CRLF after chunk data", chunkedHead + "5\r\nhelloXX0\r\n\r\n"),
    Rejection("bare LF after chunk data", chunkedHead + "5\r\nhello\n0\r\n\r\n"),
    Rejection("bare LF after chunk size", chunkedHead + "5\nhello\r\n0\r\n\r\n"),
    // line syntax
    Rejection("bare LF in request line", "GET / HTTP/1.1\nHost: x\r\n\r\n"),
    Rejection("bare LF in header block", "GET / HTTP/1.1\r\nHost: x\nX-A: y\r\n\r\n"),
    Rejection("bare LF ending the head", "GET / HTTP/1.1\r\nHost: x\r\n\n"),
    Rejection("bare CR inside a header line", "GET / HTTP/1.1\r\nHost: x\rX-A: y\r\n\r\n"),
    Rejection("obsolete line folding", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n"),
    Rejection("whitespace before colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n"),
    Rejection("header line without colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A\r\n\r\n"),
    Rejection("invalid token in method", "GE(T / HTTP/1.1\r\nHost: x\r\n\r\n"),
    Rejection("invalid token in header name", "GET / HTTP/1.1\r\nHost: x\r\nBad[Name]: 1\r\n\r\n"),
    Rejection("empty header name", "GET / HTTP/1.1\r\nHost: x\r\n: 1\r\n\r\n"),
    Rejection("control byte in header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{01}b\r\n\r\n"),
    Rejection("NUL in header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{00}b\r\n\r\n"),
    Rejection("DEL in header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{7F}b\r\n\r\n"),
    Rejection("double space in request line", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n"),
    Rejection("malformed version", "GET / HTTP/1.1x\r\nHost: x\r\n\r\n"),
    Rejection("lowercase version", "GET / http/1.1\r\nHost: x\r\n\r\n"),
    Rejection("target not in origin form", "GET foo HTTP/1.1\r\nHost: x\r\n\r\n"),
    Rejection("space in target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"),
    Rejection("missing Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n"),
    Rejection("two Host fields", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
    // limits and unsupported features
    Rejection("request line too long", "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    Rejection("request line too long, never terminated", "GET /" + String(repeating: "a", count: 9000), 414),
    Rejection("too many header fields", "GET / HTTP/1.1\r\nHost: x\r\n" + (0..<120).map { "X-\($0): 1\r\n" }.joined() + "\r\n", 431),
    Rejection("header block too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "b", count: 17000) + "\r\n\r\n", 431),
    Rejection("unknown method", "FOO / HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    Rejection("TRACE", "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    Rejection("HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    Rejection("HTTP/0.9 style version", "GET / HTTP/0.9\r\nHost: x\r\n\r\n", 505),
]

@Suite("Rejections")
struct RejectionTests {
    @Test("malformed or refused requests get their status and the connection closes", arguments: rejections)
    func rejected(_ case_: Rejection) throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send(case_.request)
        let reply = try c.readResponse()
        #expect(reply.status == case_.status)
        #expect(reply.header("Connection") == "close")
        #expect(try c.readUntilClosed().isEmpty)
        #expect(t.completed.all.allSatisfy { $0.status == case_.status })
    }

    @Test("a few empty lines before the request line are tolerated")
    func leadingEmptyLines() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().text == "GET /ok 0")
    }

    @Test("absolute-form targets are accepted")
    func absoluteForm() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("GET http://example.com/abs?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
        #expect(try c.readResponse().text == "GET /abs 0")
    }
}
