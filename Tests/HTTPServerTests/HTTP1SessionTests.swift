import Logging
import Testing
@testable import HTTPServer

/// The HTTP/1.1 state machine on its own: bytes and events in, actions out, time given by the test.
/// No socket, no thread, no sleep.
@Suite("HTTP/1.1 session, without sockets")
struct HTTP1SessionTests {
    static let second: UInt64 = 1_000_000_000

    /// A session and a clock the test moves by hand.
    final class Harness {
        let session: HTTP1Session
        var now: UInt64 = 1_000 * HTTP1SessionTests.second
        var pendingOutput = 0
        var draining = false

        init(configure: (inout ServerConfiguration) -> Void = { _ in }, admission: Server.Admission? = nil) {
            var configuration = ServerConfiguration()
            configure(&configuration)
            let environment = SessionEnvironment(configuration: configuration, admission: admission, remoteAddress: "test",
                                                 httpDate: { "Thu, 01 Jan 2026 00:00:00 GMT" },
                                                 logger: Logger(label: "test.session"))
            session = HTTP1Session(environment: environment, now: now)
        }

        var context: ConnectionContext { ConnectionContext(now: now, pendingOutput: pendingOutput, isDraining: draining) }

        func send(_ text: String) -> [ConnectionAction] { send(Array(text.utf8)) }

        func send(_ bytes: [UInt8]) -> [ConnectionAction] {
            bytes.withUnsafeBytes { session.handle(.received($0), context: context) }
        }

        func event(_ event: ConnectionEvent) -> [ConnectionAction] { session.handle(event, context: context) }
    }

    static func dispatched(_ actions: [ConnectionAction]) -> [(Request, UInt64)] {
        actions.compactMap { if case .dispatch(let r, let id) = $0 { (r, id) } else { nil } }
    }

    static func written(_ actions: [ConnectionAction]) -> String {
        actions.compactMap { if case .write(let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } }.joined()
    }

    static func closes(_ actions: [ConnectionAction]) -> [String] {
        actions.compactMap {
            switch $0 {
            case .close: "close"
            case .closeAfterWrite: "closeAfterWrite"
            default: nil
            }
        }
    }

    @Test("a complete request is dispatched; its response is encoded with keep-alive and reported")
    func requestResponse() throws {
        let h = Harness()
        let actions = h.send("GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        let requests = Self.dispatched(actions)
        #expect(requests.count == 1)
        let (request, id) = try #require(requests.first)
        #expect(request.path == "/a" && request.head.query == "b=1")
        h.now += Self.second / 1000
        let answer = h.event(.responded(id: id, .text("hi")))
        let text = Self.written(answer)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("Connection: keep-alive\r\n"))
        #expect(text.hasSuffix("\r\n\r\nhi"))
        let summaries = answer.compactMap { if case .completed(let s) = $0 { s } else { nil } }
        #expect(summaries.map(\.status) == [200])
        #expect(summaries.first?.httpProtocol == .http1_1)
        #expect(summaries.first?.duration == .milliseconds(1))
        #expect(Self.closes(answer).isEmpty)
    }

    @Test("a head dribbled one byte at a time is dispatched once, at its last byte")
    func dribbled() {
        let h = Harness()
        let bytes = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        for (i, byte) in bytes.enumerated() {
            let actions = h.send([byte])
            #expect(Self.dispatched(actions).count == (i == bytes.count - 1 ? 1 : 0))
        }
    }

    @Test("pipelined responses leave in request order whatever order handlers answer in")
    func pipelineOrder() {
        let h = Harness()
        let ids = Self.dispatched(h.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")).map(\.1)
        #expect(ids.count == 2)
        #expect(Self.written(h.event(.responded(id: ids[1], .text("second")))).isEmpty)
        let both = Self.written(h.event(.responded(id: ids[0], .text("first"))))
        let first = both.range(of: "first"), second = both.range(of: "second")
        #expect(first != nil && second != nil && first!.lowerBound < second!.lowerBound)
        // A second answer for the same request is ignored.
        #expect(h.event(.responded(id: ids[0], .text("again"))).isEmpty)
    }

    @Test("100 Continue waits until the earlier response is out, then the body is read")
    func continueTurn() {
        let h = Harness()
        let first = Self.dispatched(h.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"))
        #expect(first.count == 1)
        let answer = Self.written(h.event(.responded(id: first[0].1, .text("one"))))
        #expect(answer.contains("one") && answer.hasSuffix("HTTP/1.1 100 Continue\r\n\r\n"))
        let body = Self.dispatched(h.send("abc"))
        #expect(body.first?.0.body == Array("abc".utf8))
    }

    @Test("a stalled head gets 408 at the header deadline, then the connection closes after writing")
    func headerTimeout() {
        let h = Harness { $0.timeouts.headerRead = .seconds(10) }
        #expect(h.send("GET / HTTP/1.1\r\nHo").isEmpty)
        let deadline = h.session.nextDeadline()
        #expect(deadline == h.now + 10 * Self.second)
        h.now += 9 * Self.second
        #expect(h.event(.timer).isEmpty)
        h.now += Self.second
        let actions = h.event(.timer)
        #expect(Self.written(actions).hasPrefix("HTTP/1.1 408"))
        #expect(Self.closes(actions) == ["closeAfterWrite"])
        #expect(h.send("more").isEmpty, "nothing is read after the rejection")
    }

    @Test("an idle keep-alive connection closes at its deadline, counted from the last write")
    func idleTimeout() {
        let h = Harness { $0.timeouts.keepAliveIdle = .seconds(15) }
        let id = Self.dispatched(h.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))[0].1
        _ = h.event(.responded(id: id, .text("x")))
        #expect(h.session.nextDeadline() == nil, "not idle while the response is unwritten")
        h.now += 5 * Self.second
        _ = h.event(.outputFlushed)
        #expect(h.session.nextDeadline() == h.now + 15 * Self.second)
        h.now += 15 * Self.second
        #expect(Self.closes(h.event(.timer)) == ["close"])
    }

    @Test("draining: an idle connection closes at once, a busy one answers with Connection: close")
    func drain() {
        let idle = Harness()
        idle.draining = true
        #expect(Self.closes(idle.event(.drain)) == ["close"])

        let busy = Harness()
        let id = Self.dispatched(busy.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))[0].1
        busy.draining = true
        #expect(busy.event(.drain).isEmpty)
        let answer = busy.event(.responded(id: id, .text("bye")))
        #expect(Self.written(answer).contains("Connection: close\r\n"))
        #expect(Self.closes(answer) == ["closeAfterWrite"])
    }

    @Test("draining: a request begun before, even a lone P that might have been the HTTP/2 preface, is read and answered", arguments: [
        "P", "POST / HT", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\na",
    ])
    func drainKeepsRequestBegun(_ sentBefore: String) throws {
        let whole = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        let h = Harness()
        #expect(Self.dispatched(h.send(sentBefore)).isEmpty)
        h.draining = true
        #expect(Self.closes(h.event(.drain)).isEmpty)
        let requests = Self.dispatched(h.send(String(whole.dropFirst(sentBefore.count))))
        let (request, id) = try #require(requests.first)
        #expect(requests.count == 1 && request.body == Array("abc".utf8))
        let answer = h.event(.responded(id: id, .text("done")))
        #expect(Self.written(answer).contains("Connection: close\r\n"))
        #expect(Self.closes(answer) == ["closeAfterWrite"])
    }

    @Test("draining with a response still due: no new request is taken, the connection closes after it")
    func drainWithResponseDue() throws {
        let h = Harness()
        let id = Self.dispatched(h.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"))[0].1
        h.draining = true
        #expect(h.event(.drain).isEmpty)
        #expect(Self.dispatched(h.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n")).isEmpty)
        let answer = h.event(.responded(id: id, .text("a")))
        #expect(Self.written(answer).contains("Connection: close\r\n"))
        #expect(Self.closes(answer) == ["closeAfterWrite"])
    }

    @Test("a malformed request is answered 400 and the connection closes after the write")
    func rejection() {
        let h = Harness()
        let actions = h.send("GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n")
        #expect(Self.written(actions).hasPrefix("HTTP/1.1 400"))
        #expect(Self.closes(actions) == ["closeAfterWrite"])
        #expect(Self.dispatched(actions).isEmpty)
    }

    @Test("the HTTP/2 preface, in pieces, switches the connection with every byte read so far")
    func prefaceSniff() throws {
        let h = Harness()
        let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
        #expect(h.send(Array(preface[..<5])).isEmpty)
        #expect(h.session.nextDeadline() == h.now + HTTPTimeouts().headerRead.nanoseconds, "the preface timeout runs")
        let actions = h.send(Array(preface[5...]) + [0, 0, 0, 4, 0, 0, 0, 0, 0])
        guard case .switchToHTTP2(.priorKnowledge(let received)) = try #require(actions.last) else {
            Issue.record("no switch to HTTP/2: \(actions)")
            return
        }
        #expect(received == preface + [0, 0, 0, 4, 0, 0, 0, 0, 0])
    }

    @Test("with HTTP/2 off the preface is parsed as a request line and refused (505)")
    func prefaceWhenDisabled() {
        let h = Harness { $0.http2.enabled = false }
        let actions = h.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        #expect(Self.written(actions).hasPrefix("HTTP/1.1 505"))
    }

    @Test("Upgrade: h2c on a request without a body answers 101 and hands the request over as stream 1")
    func upgrade() throws {
        let h = Harness()
        let actions = h.send("GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
            + "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\nPRI")
        #expect(Self.written(actions) == "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
        guard case .switchToHTTP2(.upgrade(let head, let settings, let received, _)) = try #require(actions.last) else {
            Issue.record("no upgrade: \(actions)")
            return
        }
        #expect(head.path == "/up")
        #expect(settings.count == 18)  // three SETTINGS entries of six bytes
        #expect(received == Array("PRI".utf8))
        let stream = H2CUpgrade.streamRequest(head)
        #expect(!stream.headers.contains("Upgrade") && !stream.headers.contains("HTTP2-Settings"))
        #expect(stream.headers["Host"] == "x" && stream.version == .http2)
    }

    @Test("an upgrade request with a body, or a malformed HTTP2-Settings, is served as HTTP/1.1")
    func upgradeIgnored() {
        for request in [
            "POST /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\nContent-Length: 2\r\n\r\nab",
            "GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: !!\r\n\r\n",
            "GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n\r\n",
        ] {
            let h = Harness()
            let actions = h.send(request)
            #expect(Self.dispatched(actions).count == 1, "\(request)")
            #expect(!actions.contains { if case .switchToHTTP2 = $0 { true } else { false } })
        }
    }

    @Test("input stops being accepted once the pipeline is full and enough is buffered")
    func backpressure() {
        let h = Harness { $0.limits.maxPipelinedRequests = 1 }
        let one = String(repeating: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", count: 12_000)
        let actions = h.send(one)
        #expect(Self.dispatched(actions).count == 1)
        #expect(!h.session.acceptsInput(context: h.context))
    }

    @Test("base64url decoding of HTTP2-Settings")
    func base64URL() {
        #expect(H2CUpgrade.base64URLDecode("AAMAAABk") == [0, 3, 0, 0, 0, 0x64])
        #expect(H2CUpgrade.base64URLDecode("-_8") == [0xFB, 0xFF])
        #expect(H2CUpgrade.base64URLDecode("AA==") == [0])
        #expect(H2CUpgrade.base64URLDecode("A+A") == nil)
        #expect(H2CUpgrade.base64URLDecode("A") == nil)
    }

    @Test("the client preface matcher tells partial from different from complete")
    func prefaceMatch() {
        #expect(ClientPreface.match(Array("PRI * HT".utf8)) == .partial)
        #expect(ClientPreface.match(Array("PRX".utf8)) == .differs)
        #expect(ClientPreface.match(Array("GET / HTTP/1.1\r\n".utf8)) == .differs)
        #expect(ClientPreface.match(ClientPreface.bytes + [1, 2]) == .complete)
    }

    @Test("a token bucket refills with time and never past its burst")
    func rateBudget() {
        var budget = RateBudget(HTTP2RateLimit(burst: 2, perSecond: 1), now: 0)
        let taken = [0, 0, 0, Self.second / 2, Self.second, 100 * Self.second, 100 * Self.second, 100 * Self.second]
            .map { budget.take(now: $0) }
        #expect(taken == [true, true, false, false, true, true, true, false])
    }
}
