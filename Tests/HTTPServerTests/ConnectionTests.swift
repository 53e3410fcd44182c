import Foundation
import HTTPServer
import Testing
import TestSupport

private func threadCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
}

@Suite("Connections")
struct ConnectionTests {
    @Test("a client dribbling its head does not hold up another connection")
    func slowClientDoesNotBlock() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let slow = try RawClient(port: t.port)
        let fast = try RawClient(port: t.port)
        let request = Array("GET /slow HTTP/1.1\r\nHost: x\r\nX-Padding: abcdefghij\r\n\r\n".utf8)
        // The slow client sends one byte between each of the fast client's exchanges.
        for (i, byte) in request.enumerated() {
            try slow.send([byte])
            if i < request.count - 1 {
                try fast.send("GET /fast\(i) HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try fast.readResponse().text == "GET /fast\(i) 0")
            }
        }
        #expect(try slow.readResponse().text == "GET /slow 0")
    }

    @Test("500 idle connections cost no thread each and do not starve another connection")
    func manyIdleConnections() throws {
        let t = try TestServer(configure: {
            $0.timeouts.keepAliveIdle = .seconds(120)
            $0.limits.maxConnections = 2000
        }, handler: TestServer.echo)
        defer { t.stop() }
        let threadsBefore = threadCount()
        var idle: [RawClient] = []
        for _ in 0..<500 { idle.append(try RawClient(port: t.port)) }
        // Half of them also finish a request first, so they are idle keep-alive connections.
        for c in idle.prefix(250) {
            try c.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n")
        }
        for c in idle.prefix(250) {
            #expect(try c.readResponse().status == 200)
        }
        #expect(t.opened.wait(atLeast: 500))
        #expect(t.server.openConnectionCount == 500)
        #expect(threadCount() - threadsBefore < 100, "threads grew from \(threadsBefore) to \(threadCount())")
        for i in 0..<5 {
            let r = try Curl.run(["\(t.url)/busy\(i)"])
            #expect(r.output == "GET /busy\(i) 0")
        }
        #expect(t.server.openConnectionCount >= 500)
        withExtendedLifetime(idle) {}
    }

    @Test("beyond maxConnections a connection gets 503 and is closed; a freed slot is reused")
    func maxConnections() throws {
        let t = try TestServer(configure: { $0.limits.maxConnections = 3 }, handler: TestServer.echo)
        defer { t.stop() }
        var held = try (0..<3).map { _ in try RawClient(port: t.port) }
        #expect(t.opened.wait(atLeast: 3))
        let extra = try RawClient(port: t.port)
        try extra.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let reply = try extra.readResponse()
        #expect(reply.status == 503)
        #expect(reply.header("Connection") == "close")
        #expect(try extra.readUntilClosed().isEmpty)
        #expect(t.rejected.value == 1)
        #expect(t.server.openConnectionCount == 3)

        held.removeLast()  // closes its socket
        #expect(t.closed.wait(atLeast: 1))
        let next = try RawClient(port: t.port)
        try next.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try next.readResponse().text == "GET /again 0")
        withExtendedLifetime(held) {}
    }

    @Test("a client that disconnects while its request waits marks the connection closed")
    func disconnectDetection() throws {
        let received = Recorder<Request>()
        let arrived = Flag()
        let respondLater = Recorder<@Sendable (Response) -> Void>()
        let t = try TestServer { request, respond in
            received.append(request)
            respondLater.append(respond)
            arrived.set()
        }
        defer { t.stop() }
        var client: RawClient? = try RawClient(port: t.port)
        try client?.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(arrived.wait())
        let connection = try #require(received.all.first).connection
        #expect(!connection.isClosed)
        let noticed = Flag()
        connection.onClose { noticed.set() }
        client = nil  // the client goes away
        #expect(noticed.wait())
        #expect(connection.isClosed)
        // A late response for a vanished client is dropped without harm.
        respondLater.all.first?(.text("too late"))
        #expect(t.closed.wait(atLeast: 1))
        #expect(t.server.openConnectionCount == 0)
        _ = client
    }
}
