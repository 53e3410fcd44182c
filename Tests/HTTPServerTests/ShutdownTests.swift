import Foundation
import HTTPServer
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("in-flight request completes with Connection: close, new connections are refused, shutdown completes")
    func drainInFlight() throws {
        let held = HeldRequest()
        let t = try TestServer(handler: held.handler)
        let busy = try RawClient(port: t.port)
        try busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(held.arrived.wait())
        let idle = try RawClient(port: t.port)
        try idle.send("GET /quick HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle.readResponse().text == "quick")

        let done = Flag()
        t.server.shutdown(drainTimeout: .seconds(10)) { done.set() }
        #expect(t.server.isShuttingDown)
        // The listener is closed before shutdown() returns.
        #expect(throws: RawClient.Failure.self) { try RawClient(port: t.port) }
        // The idle keep-alive connection is closed at once.
        #expect(try idle.readUntilClosed().isEmpty)
        #expect(!done.value)

        held.release.set()
        let reply = try busy.readResponse()
        #expect(reply.text == "finished")
        #expect(reply.header("Connection") == "close")
        #expect(try busy.readUntilClosed().isEmpty)
        #expect(done.wait())
        #expect(t.server.openConnectionCount == 0)
    }

    @Test("an HTTP/2 preface begun before shutdown and finished after it gets GOAWAY and a close, not the deadline")
    func prefaceAcrossShutdown() throws {
        let t = try TestServer(handler: TestServer.echo)
        let c = try RawClient(port: t.port, timeout: 10)
        let preface = HTTP2SessionTests.preface
        try c.send(Array(preface.prefix(5)))
        let done = Flag()
        t.server.shutdown(drainTimeout: .seconds(60)) { done.set() }
        try c.send(Array(preface.dropFirst(5)) + HTTP2SessionTests.get(1))
        // Frames to the end: the server closes once drained, long before its 60 s deadline.
        let bytes = try c.readUntilClosed()
        var at = 0
        var types: [UInt8] = []
        while bytes.count - at >= 9 {
            types.append(bytes[at + 3])
            at += 9 + (Int(bytes[at]) << 16 | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]))
        }
        #expect(types.contains(7), "GOAWAY sent; frames: \(types)")
        #expect(done.wait(seconds: 10))
    }

    @Test("past the drain deadline remaining connections are closed and shutdown completes")
    func drainDeadline() throws {
        let arrived = Flag()
        let t = try TestServer { _, _ in arrived.set() }  // never responds
        let c = try RawClient(port: t.port)
        try c.send("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(arrived.wait())
        let done = Flag()
        t.server.shutdown(drainTimeout: .milliseconds(300)) { done.set() }
        #expect(done.wait())
        #expect(try c.readUntilClosed().isEmpty)
    }

    @Test("async shutdown returns once complete; a second call completes too")
    func asyncShutdown() async throws {
        let t = try TestServer(handler: TestServer.echo)
        await t.server.shutdown()
        #expect(t.server.isShuttingDown)
        await t.server.shutdown(drainTimeout: .zero)
    }

    @Test("TerminationSignals calls its closure when the signal arrives")
    func signals() throws {
        let got = Recorder<Int32>()
        let flag = Flag()
        let trap = TerminationSignals(signals: [SIGUSR2]) { number in
            got.append(number)
            flag.set()
        }
        defer { trap.cancel() }
        kill(getpid(), SIGUSR2)
        #expect(flag.wait())
        #expect(got.all == [SIGUSR2])
    }
}
