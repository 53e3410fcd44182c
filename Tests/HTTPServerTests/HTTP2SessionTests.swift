import Logging
import Testing
@testable import HTTPServer

/// The HTTP/2 session on its own, behind the same event/action interface as HTTP/1.1's: frames written
/// by hand in, frames and requests out, time moved by the test. No socket, no thread, no sleep.
@Suite("HTTP/2 session, without sockets")
struct HTTP2SessionTests {
    static let second: UInt64 = 1_000_000_000

    /// One frame as the server wrote it.
    struct Frame: Equatable {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32
        var payload: [UInt8]
    }

    static func frame(_ type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, _ payload: [UInt8] = []) -> [UInt8] {
        let n = UInt32(payload.count)
        var header: [UInt8] = [UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
        header += [type, flags]
        header += [UInt8(truncatingIfNeeded: stream >> 24) & 0x7F, UInt8(truncatingIfNeeded: stream >> 16)]
        header += [UInt8(truncatingIfNeeded: stream >> 8), UInt8(truncatingIfNeeded: stream)]
        return header + payload
    }

    static let preface = ClientPreface.bytes + frame(4)  // the magic, then an empty SETTINGS
    /// `GET /` over http from HPACK's static table (:method GET, :path /, :scheme http), and
    /// `:authority: x` as a literal without indexing.
    static func get(_ stream: UInt32, endStream: Bool = true) -> [UInt8] {
        frame(1, flags: 0x4 | (endStream ? 0x1 : 0), stream: stream, [0x82, 0x84, 0x86, 0x01, 0x01, 0x78])
    }
    static func reset(_ stream: UInt32) -> [UInt8] { frame(3, stream: stream, [0, 0, 0, 8]) }

    static func frames(_ actions: [ConnectionAction]) -> [Frame] {
        var bytes: [UInt8] = []
        for case .write(let chunk) in actions { bytes += chunk }
        var out: [Frame] = []
        var at = 0
        while bytes.count - at >= 9 {
            let length: Int = Int(bytes[at]) << 16 | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2])
            var stream: UInt32 = UInt32(bytes[at + 5] & 0x7F) << 24
            stream |= UInt32(bytes[at + 6]) << 16 | UInt32(bytes[at + 7]) << 8 | UInt32(bytes[at + 8])
            let end = min(bytes.count, at + 9 + length)
            out.append(Frame(type: bytes[at + 3], flags: bytes[at + 4], stream: stream, payload: Array(bytes[(at + 9)..<end])))
            at = end
        }
        return out
    }

    final class Harness {
        let session: HTTP2Session
        var now: UInt64 = 1_000 * HTTP2SessionTests.second
        var draining = false
        var pendingOutput = 0

        init(configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
            var configuration = ServerConfiguration()
            configure(&configuration)
            let environment = SessionEnvironment(configuration: configuration, admission: nil, remoteAddress: "test",
                                                 httpDate: { "Thu, 01 Jan 2026 00:00:00 GMT" },
                                                 logger: Logger(label: "test.h2"))
            session = try #require(HTTP2Session(environment: environment, now: now))
            var actions: [ConnectionAction] = []
            session.begin(context: context, actions: &actions)
            let settings = HTTP2SessionTests.frames(actions)
            #expect(settings.first?.type == 4, "the server's SETTINGS go first")
        }

        var context: ConnectionContext { ConnectionContext(now: now, pendingOutput: pendingOutput, isDraining: draining) }

        func send(_ bytes: [UInt8]) -> [ConnectionAction] {
            bytes.withUnsafeBytes { session.handle(.received($0), context: context) }
        }

        func event(_ event: ConnectionEvent) -> [ConnectionAction] { session.handle(event, context: context) }
    }

    static func dispatched(_ actions: [ConnectionAction]) -> [(Request, UInt64)] {
        actions.compactMap { if case .dispatch(let r, let id) = $0 { (r, id) } else { nil } }
    }

    static func goaways(_ actions: [ConnectionAction]) -> [String] {
        actions.compactMap { if case .goawaySent(let reason) = $0 { reason } else { nil } }
    }

    static func closesAfterWrite(_ actions: [ConnectionAction]) -> Bool {
        actions.contains { if case .closeAfterWrite = $0 { true } else { false } }
    }

    @Test("a request on stream 1 is dispatched; its response goes out as HEADERS and DATA with END_STREAM")
    func requestResponse() throws {
        let h = try Harness()
        let actions = h.send(Self.preface + Self.get(1))
        let requests = Self.dispatched(actions)
        let (request, id) = try #require(requests.first)
        #expect(requests.count == 1 && id == 1)
        #expect(request.method == .get && request.path == "/" && request.head.version == .http2)
        #expect(Self.frames(actions).contains { $0.type == 4 && $0.flags == 1 }, "the client's SETTINGS acknowledged")
        #expect(actions.contains { if case .streamsOpenChanged(1) = $0 { true } else { false } })

        let answer = h.event(.responded(id: id, .text("hello")))
        let frames = Self.frames(answer)
        #expect(frames.map(\.type) == [1, 0])
        #expect(frames.last == Frame(type: 0, flags: 1, stream: 1, payload: Array("hello".utf8)))
        let summary = answer.compactMap { if case .completed(let s) = $0 { s } else { nil } }.first
        #expect(summary?.httpProtocol == .h2 && summary?.status == 200 && summary?.responseBodyBytes == 5)
        #expect(answer.contains { if case .streamsOpenChanged(-1) = $0 { true } else { false } })
    }

    @Test("a reset stream's request turns closed, so its queued job can be dropped")
    func resetClosesRequest() throws {
        let h = try Harness()
        let request = try #require(Self.dispatched(h.send(Self.preface + Self.get(1))).first?.0)
        #expect(!request.connection.isClosed)
        _ = h.send(Self.reset(1))
        #expect(request.connection.isClosed)
        #expect(Self.frames(h.event(.responded(id: 1, .text("late")))).isEmpty, "no answer for a reset stream")
    }

    @Test("complete streams past the dispatch slots wait, and go as earlier ones are answered")
    func dispatchSlots() throws {
        let h = try Harness { $0.http2.maxDispatchedStreams = 2 }
        let first = Self.dispatched(h.send(Self.preface + Self.get(1) + Self.get(3) + Self.get(5)))
        #expect(first.map(\.1) == [1, 3])
        let next = Self.dispatched(h.event(.responded(id: 3, .text("3"))))
        #expect(next.map(\.1) == [5])
    }

    @Test("client resets past the budget end the connection with GOAWAY ENHANCE_YOUR_CALM")
    func rapidReset() throws {
        let h = try Harness { $0.http2.clientResets = HTTP2RateLimit(burst: 5, perSecond: 1) }
        var bytes = Self.preface
        for i in 0..<10 { bytes += Self.get(UInt32(2 * i + 1)) + Self.reset(UInt32(2 * i + 1)) }
        let actions = h.send(bytes)
        let goaway = try #require(Self.frames(actions).first { $0.type == 7 })
        #expect(goaway.payload.suffix(4) == [0, 0, 0, 0xB])
        #expect(Self.goaways(actions) == ["rapid_reset"])
        #expect(Self.closesAfterWrite(actions))
        #expect(h.send(Self.get(99)).isEmpty, "nothing is read after GOAWAY")
    }

    @Test("the reset budget refills with time: the same resets spread over seconds are served")
    func resetBudgetRefills() throws {
        let h = try Harness { $0.http2.clientResets = HTTP2RateLimit(burst: 5, perSecond: 1) }
        _ = h.send(Self.preface)
        for i in 0..<10 {
            h.now += 2 * Self.second
            let actions = h.send(Self.get(UInt32(2 * i + 1)) + Self.reset(UInt32(2 * i + 1)))
            #expect(Self.goaways(actions).isEmpty)
        }
    }

    @Test("a body over the limit is answered 413 and the stream reset, without reaching the handler")
    func bodyOverLimit() throws {
        let h = try Harness { $0.limits.maxBodyBytes = 100 }
        let headers = Self.frame(1, flags: 0x4, stream: 1, [0x83, 0x84, 0x86, 0x01, 0x01, 0x78])  // POST /, no END_STREAM
        let actions = h.send(Self.preface + headers + Self.frame(0, stream: 1, Array(repeating: 7, count: 101)))
        #expect(Self.dispatched(actions).isEmpty)
        let frames = Self.frames(actions)
        #expect(frames.contains { $0.type == 1 && $0.stream == 1 }, "a response")
        #expect(frames.contains { $0.type == 3 && $0.stream == 1 && $0.payload == [0, 0, 0, 0] }, "RST_STREAM(NO_ERROR)")
        let status = actions.compactMap { if case .completed(let s) = $0 { s.status } else { nil } }
        #expect(status == [413])
    }

    @Test("an idle connection gets GOAWAY(NO_ERROR) at its deadline and closes")
    func idle() throws {
        let h = try Harness { $0.http2.idleTimeout = .seconds(30) }
        _ = h.send(Self.preface)
        #expect(h.session.nextDeadline() == h.now + 30 * Self.second)
        h.now += 29 * Self.second
        #expect(Self.goaways(h.event(.timer)).isEmpty)
        h.now += Self.second
        let actions = h.event(.timer)
        #expect(Self.goaways(actions) == ["idle"])
        #expect(Self.frames(actions).first { $0.type == 7 }?.payload.suffix(4) == [0, 0, 0, 0])
        #expect(Self.closesAfterWrite(actions))
    }

    @Test("a client that never sends its SETTINGS is closed at the preface deadline")
    func prefaceTimeout() throws {
        let h = try Harness { $0.timeouts.headerRead = .seconds(10) }
        _ = h.send(ClientPreface.bytes)
        h.now += 10 * Self.second
        #expect(h.event(.timer).contains { if case .close = $0 { true } else { false } })
    }

    @Test("draining sends GOAWAY with the last stream id; the stream in flight is answered, then the close")
    func drain() throws {
        let h = try Harness()
        let id = try #require(Self.dispatched(h.send(Self.preface + Self.get(1) + Self.get(3, endStream: false))).first?.1)
        h.draining = true
        let goaway = h.event(.drain)
        #expect(Self.frames(goaway).first { $0.type == 7 }?.payload.prefix(4) == [0, 0, 0, 3])
        #expect(Self.goaways(goaway) == ["shutdown"])
        #expect(!Self.closesAfterWrite(goaway))
        _ = h.event(.responded(id: id, .text("one")))
        // Stream 3 is still open (its body is coming): it too must end before the close.
        let last = h.send(Self.frame(0, flags: 1, stream: 3, [1]))
        let finished = Self.dispatched(last)
        #expect(finished.map(\.1) == [3])
        let close = h.event(.responded(id: 3, .text("three")))
        #expect(Self.closesAfterWrite(close))
    }

    @Test("a body that stalls gets 408 at the body deadline; a header block left open ends the connection")
    func streamTimeouts() throws {
        let h = try Harness { $0.timeouts.bodyIdle = .seconds(30); $0.timeouts.headerRead = .seconds(10) }
        let post = Self.frame(1, flags: 0x4, stream: 1, [0x83, 0x84, 0x86, 0x01, 0x01, 0x78])
        _ = h.send(Self.preface + post + Self.frame(0, stream: 1, [1, 2, 3]))
        h.now += 30 * Self.second
        let stalled = h.event(.timer)
        #expect(stalled.compactMap { if case .completed(let s) = $0 { s.status } else { nil } } == [408])
        #expect(Self.frames(stalled).contains { $0.type == 3 && $0.stream == 1 })

        // HEADERS without END_HEADERS: nothing else may come on the connection until the block ends.
        _ = h.send(Self.frame(1, stream: 3, [0x82, 0x84]))
        h.now += 10 * Self.second
        let open = h.event(.timer)
        #expect(Self.goaways(open) == ["timeout"])
        #expect(Self.closesAfterWrite(open))
    }

    @Test("a response body waits (DEFERRED) while the socket lags and resumes once it has caught up; control frames do not wait")
    func bodyWaitsForTheSocket() throws {
        let h = try Harness()
        let id = try #require(Self.dispatched(h.send(Self.preface + Self.get(1))).first?.1)
        h.pendingOutput = 2 << 20  // the socket has not taken the last 2 MiB
        let headersOnly = Self.frames(h.event(.responded(id: id, Response(status: 200, body: Array(repeating: 9, count: 40_000)))))
        #expect(headersOnly.map(\.type) == [1], "HEADERS go, the body waits")
        let ping = Self.frames(h.send(Self.frame(6, stream: 0, [1, 2, 3, 4, 5, 6, 7, 8])))
        #expect(ping.contains { $0.type == 6 && $0.flags == 1 }, "a PING is answered meanwhile")
        h.pendingOutput = 0
        let body = Self.frames(h.event(.outputFlushed))
        #expect(body.filter { $0.type == 0 }.reduce(0) { $0 + $1.payload.count } == 40_000)
        #expect(body.last?.type == 0 && body.last?.flags == 1, "END_STREAM on the last DATA frame")
    }
}
