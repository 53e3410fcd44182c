import Foundation
import Testing
import HTTPServer

@Suite("Timeouts")
struct TimeoutTests {
    @Test("a stalled header block gets 408 and the connection closes")
    func stalledHeader() throws {
        let t = try TestServer(configure: { $0.timeouts.headerRead = .milliseconds(300) }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        let reply = try c.readResponse()
        #expect(reply.status == 408)
        #expect(try c.readUntilClosed().isEmpty)
    }

    @Test("a stalled body gets 408 and the connection closes")
    func stalledBody() throws {
        let t = try TestServer(configure: { $0.timeouts.bodyIdle = .milliseconds(300) }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        let reply = try c.readResponse()
        #expect(reply.status == 408)
        #expect(try c.readUntilClosed().isEmpty)
    }

    @Test("a stalled chunked body gets 408")
    func stalledChunkedBody() throws {
        let t = try TestServer(configure: { $0.timeouts.bodyIdle = .milliseconds(300) }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhe")
        #expect(try c.readResponse().status == 408)
        #expect(try c.readUntilClosed().isEmpty)
    }

    @Test("an idle keep-alive connection is closed quietly")
    func keepAliveIdle() throws {
        let t = try TestServer(configure: { $0.timeouts.keepAliveIdle = .milliseconds(300) }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().status == 200)
        #expect(try c.readUntilClosed().isEmpty)
        #expect(t.closed.wait(atLeast: 1))
    }

    @Test("a client that never reads its response is dropped after the write timeout")
    func writeTimeout() throws {
        let big = [UInt8](repeating: 7, count: 32 * 1024 * 1024)
        let t = try TestServer(configure: { $0.timeouts.write = .milliseconds(300) }) { _, respond in
            respond(Response(status: 200, body: big))
        }
        defer { t.stop() }
        let c = try RawClient(port: t.port, receiveBuffer: 4096)
        try c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(t.opened.wait(atLeast: 1))
        // Nobody reads: the kernel buffers fill, writes stall, and the server must give up.
        #expect(t.closed.wait(atLeast: 1, seconds: 10))
        #expect(t.server.openConnectionCount == 0)
        withExtendedLifetime(c) {}
    }
}
