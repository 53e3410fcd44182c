import Foundation
import Testing
import TestSupport
@testable import HTTPServer

@Suite("Requests and responses")
struct RequestResponseTests {
    @Test("GET through curl reaches the handler and gets the server's headers")
    func getWithCurl() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let r = try Curl.run(["--include", "\(t.url)/hello?x=1"])
        #expect(r.exitCode == 0, "\(r.errors)")
        #expect(r.output.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(r.output.contains("Server: smsr-serve\r\n"))
        #expect(r.output.contains("Content-Length: 12\r\n"))
        #expect(r.output.range(of: #"Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n"#,
                               options: .regularExpression) != nil)
        #expect(r.output.hasSuffix("\r\n\r\nGET /hello 0"))
    }

    @Test("POST with Content-Length delivers the whole body")
    func postWithContentLength() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let body = String(repeating: "0123456789", count: 10_000)
        let r = try Curl.run(["--data-binary", body, "\(t.url)/upload"])
        #expect(r.exitCode == 0, "\(r.errors)")
        #expect(r.output == "POST /upload 100000")
    }

    @Test("keep-alive: curl sends two requests over one connection")
    func keepAliveReuse() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let r = try Curl.run(["--write-out", "%{num_connects}\n", "--output", "/dev/null", "\(t.url)/one",
                              "--output", "/dev/null", "\(t.url)/two"])
        #expect(r.exitCode == 0, "\(r.errors)")
        #expect(r.output == "1\n0\n")
        #expect(t.completedCount.wait(atLeast: 2))
        #expect(t.opened.value == 1)
    }

    @Test("a large response is written completely to a client that reads it")
    func largeResponse() throws {
        let big: [UInt8] = (0..<(24 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 9)) }
        let t = try TestServer { _, respond in respond(Response(status: 200, body: big)) }
        defer { t.stop() }
        let c = try RawClient(port: t.port, receiveBuffer: 8192)
        try c.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\nGET /big HTTP/1.1\r\nHost: a\r\n\r\n")
        for _ in 0..<2 {
            let reply = try c.readResponse()
            #expect(reply.body.count == big.count)
            #expect(reply.body == big)
        }
    }

    @Test("HEAD gets the GET's Content-Length and no body")
    func head() throws {
        let t = try TestServer { _, respond in respond(.text("hello")) }
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n")
        let headReply = try c.readResponse(head: true)
        #expect(headReply.status == 200)
        #expect(headReply.header("Content-Length") == "5")
        // If a body had been sent, it would be read here as the start of the next response.
        try c.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
        let getReply = try c.readResponse()
        #expect(getReply.status == 200)
        #expect(getReply.text == "hello")
    }

    @Test("HEAD may state the length without building the body")
    func headWithDeclaredLength() throws {
        let t = try TestServer { _, respond in respond(Response(status: 200, headers: ["Content-Length": "1234"])) }
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try c.readResponse(head: true).header("Content-Length") == "1234")
    }

    @Test("Connection: close is answered with close, then the connection ends")
    func connectionClose() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("GET /bye HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let reply = try c.readResponse()
        #expect(reply.status == 200)
        #expect(reply.header("Connection") == "close")
        #expect(try c.readUntilClosed().isEmpty)
    }

    @Test("HTTP/1.0 closes by default")
    func http10Default() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("GET /old HTTP/1.0\r\n\r\n")
        let reply = try c.readResponse()
        #expect(reply.status == 200)
        #expect(reply.text == "GET /old 0")
        #expect(reply.header("Connection") == "close")
        #expect(try c.readUntilClosed().isEmpty)
    }

    @Test("HTTP/1.0 with keep-alive keeps the connection")
    func http10KeepAlive() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let first = try c.readResponse()
        #expect(first.header("Connection") == "keep-alive")
        try c.send("GET /b HTTP/1.0\r\n\r\n")
        #expect(try c.readResponse().text == "GET /b 0")
        #expect(try c.readUntilClosed().isEmpty)
        #expect(t.opened.value == 1)
    }

    @Test("a later HTTP/1 minor version is served as HTTP/1.1, Host rule and keep-alive included")
    func laterMinorVersion() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("GET /a HTTP/1.2\r\nHost: x\r\n\r\n")
        let first = try c.readResponse()
        #expect(first.status == 200)
        #expect(first.text == "GET /a 0")
        try c.send("GET /b HTTP/1.9\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().text == "GET /b 0")
        try c.send("GET /c HTTP/1.2\r\n\r\n")
        #expect(try c.readResponse().status == 400)
        #expect(t.opened.value == 1)
    }

    @Test("the handler sees method, target, query and case-insensitive headers")
    func requestHeadReachesHandler() throws {
        let seen = Recorder<Request>()
        let t = try TestServer { request, respond in
            seen.append(request)
            respond(Response(status: 204))
        }
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("DELETE /items/7?force=yes&note=a+b%21 HTTP/1.1\r\nHost: a\r\nX-Token:  abc \r\nx-token: def\r\n\r\n")
        let reply = try c.readResponse()
        #expect(reply.status == 204)
        #expect(reply.header("Content-Length") == nil)
        let request = try #require(seen.all.first)
        #expect(request.method == .delete)
        #expect(request.head.target == "/items/7?force=yes&note=a+b%21")
        #expect(request.path == "/items/7")
        #expect(request.head.query == "force=yes&note=a+b%21")
        #expect(request.head.queryValue("note") == "a b!")
        #expect(request.headers["X-TOKEN"] == "abc")
        #expect(request.headers.values(for: "x-Token") == ["abc", "def"])
        #expect(request.remoteAddress.hasPrefix("127.0.0.1:"))
        #expect(request.head.version == .http1_1)
    }

    @Test("handler headers are kept, server-owned framing headers are replaced")
    func serverOwnsFraming() throws {
        let t = try TestServer { _, respond in
            respond(Response(status: 201, headers: [
                "X-Custom": "1", "Content-Length": "999", "Transfer-Encoding": "chunked",
                "Connection": "close", "X-Bad": "a\r\nInjected: yes",
            ], body: Array("ok".utf8)))
        }
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let reply = try c.readResponse()
        #expect(reply.status == 201)
        #expect(reply.header("X-Custom") == "1")
        #expect(reply.header("Content-Length") == "2")
        #expect(reply.header("Transfer-Encoding") == nil)
        #expect(reply.header("Connection") == "keep-alive")
        #expect(reply.header("Injected") == nil)
        #expect(reply.text == "ok")
    }

    @Test("requestCompleted reports method, path, status, sizes and duration")
    func requestSummary() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("PUT /thing HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
        _ = try c.readResponse()
        try c.send("GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: zz\r\n\r\n")
        _ = try c.readResponse()
        #expect(t.completedCount.wait(atLeast: 2))
        let summaries = t.completed.all
        #expect(summaries[0].method == "PUT")
        #expect(summaries[0].path == "/thing")
        #expect(summaries[0].status == 200)
        #expect(summaries[0].requestBodyBytes == 3)
        #expect(summaries[0].responseBodyBytes == "PUT /thing 3".utf8.count)
        #expect(summaries[0].duration >= .zero)
        #expect(summaries[1].status == 400)
        #expect(summaries[1].path == "/x")
        #expect(t.closed.wait(atLeast: 1))
    }

    @Test("IPv6 loopback works when available")
    func ipv6() throws {
        var configuration = ServerConfiguration(host: "::1", port: 0)
        configuration.serverName = "v6"
        let server = Server(configuration: configuration, handler: TestServer.echo)
        let port: Int
        do {
            port = try server.start()
        } catch {
            return  // no IPv6 loopback in this environment
        }
        defer { server.shutdown(drainTimeout: .zero) }
        #expect(server.localAddress == "[::1]:\(port)")
        let r = try Curl.run(["-g", "http://[::1]:\(port)/six"])
        #expect(r.output == "GET /six 0")
    }
}
