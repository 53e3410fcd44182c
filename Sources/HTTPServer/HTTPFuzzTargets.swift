import Logging

/// What the fuzz targets (Fuzz/) and their regression replay (Tests/FuzzReplayTests) feed with one
/// input each: the parsers and session state machines are internal, so they are reached through
/// this package-level door rather than made public.
///
/// Each target also checks a property any input must keep, so the fuzzer finds wrong answers and
/// not only crashes: the head parser and the chunked decoder must reach the same outcome whether
/// the input arrives at once or in small pieces (the socket may cut it anywhere).
package enum HTTPFuzzTargets {
    /// Request heads as a server would read them: the default limits, the input whole and in pieces.
    /// Each target returns whether the input was taken in full (here: a complete head).
    @discardableResult
    package static func requestHead(_ input: [UInt8]) -> Bool {
        let limits = HTTPLimits()
        var whole = RequestHeadParser(limits: limits)
        let wholeOutcome = Summary(whole.parse(input, start: 0, end: input.count))
        var pieces = RequestHeadParser(limits: limits)
        var piecesOutcome = Summary.needMore
        for end in PieceEnds(count: input.count) {
            piecesOutcome = Summary(pieces.parse(input, start: 0, end: end))
            if piecesOutcome != .needMore { break }
        }
        precondition(wholeOutcome == piecesOutcome,
                     "head parsed whole: \(wholeOutcome), in pieces: \(piecesOutcome)")
        guard case .complete(_, let consumed) = wholeOutcome else { return false }
        precondition(consumed <= input.count)
        return true
    }

    /// A chunked body (the bytes after the head), whole and in pieces, under small limits so the
    /// size checks are reached too.
    @discardableResult
    package static func chunkedBody(_ input: [UInt8]) -> Bool {
        func decoder() -> ChunkedDecoder { ChunkedDecoder(maxBodyBytes: 1 << 16, maxLineBytes: 64, maxTrailerBytes: 256) }
        var whole = decoder()
        var wholeBody: [UInt8] = []
        let wholeResult = whole.decode(input, start: 0, end: input.count, into: &wholeBody)
        var pieces = decoder()
        var piecesBody: [UInt8] = []
        var position = 0
        var piecesFailure: RequestRejection?
        for end in PieceEnds(count: input.count) where !pieces.isFinished && position < end {
            switch pieces.decode(input, start: position, end: end, into: &piecesBody) {
            case .success(let n):
                precondition(n <= end - position)
                position += n
            case .failure(let rejection):
                piecesFailure = rejection
            }
            if piecesFailure != nil { break }
        }
        switch wholeResult {
        case .success(let n):
            precondition(piecesFailure == nil, "refused only in pieces: \(piecesFailure!)")
            precondition(n == position && wholeBody == piecesBody && whole.isFinished == pieces.isFinished)
            if whole.isFinished { precondition(whole.declaredBytes == wholeBody.count) }
            return whole.isFinished
        case .failure(let rejection):
            precondition(piecesFailure?.status == rejection.status, "refused whole (\(rejection)), in pieces: \(String(describing: piecesFailure))")
            return false
        }
    }

    /// A client's bytes to an HTTP/1.1 connection: every request dispatched is answered at once,
    /// output is reported flushed, the clock moves 5 ms per piece and an hour at the end, so the
    /// timeouts fire too. True if
    /// a request was dispatched.
    @discardableResult
    package static func http1Session(_ input: [UInt8]) -> Bool {
        var dispatched = 0
        var now: UInt64 = 1_000_000_000_000
        var configuration = ServerConfiguration()
        configuration.limits.maxBodyBytes = 1 << 16
        let session = HTTP1Session(environment: environment(configuration), now: now)
        var start = 0
        for end in PieceEnds(count: input.count) {
            let context = ConnectionContext(now: now, pendingOutput: 0, isDraining: false)
            var actions = input[start..<end].withUnsafeBytes { session.handle(.received($0), context: context) }
            start = end
            guard carryOut(&actions, session: session, context: context, dispatched: &dispatched) else { return dispatched > 0 }
            now += 5_000_000
            actions = session.handle(.timer, context: ConnectionContext(now: now, pendingOutput: 0, isDraining: false))
            guard carryOut(&actions, session: session, context: context, dispatched: &dispatched) else { return dispatched > 0 }
        }
        now += 3_600_000_000_000
        var actions = session.handle(.timer, context: ConnectionContext(now: now, pendingOutput: 0, isDraining: false))
        guard carryOut(&actions, session: session, context: ConnectionContext(now: now, pendingOutput: 0, isDraining: false),
                       dispatched: &dispatched) else { return dispatched > 0 }
        actions = session.handle(.drain, context: ConnectionContext(now: now, pendingOutput: 0, isDraining: true))
        _ = carryOut(&actions, session: session, context: ConnectionContext(now: now, pendingOutput: 0, isDraining: true), dispatched: &dispatched)
        _ = session.handle(.closed, context: ConnectionContext(now: now, pendingOutput: 0, isDraining: true))
        return dispatched > 0
    }

    /// Frames after the client preface to an HTTP/2 connection (libnghttp2 and our callbacks),
    /// answered like `http1Session`.
    @discardableResult
    package static func http2Session(_ input: [UInt8]) -> Bool {
        var dispatched = 0
        var now: UInt64 = 1_000_000_000_000
        var configuration = ServerConfiguration()
        configuration.limits.maxBodyBytes = 1 << 16
        guard let session = HTTP2Session(environment: environment(configuration), now: now) else {
            preconditionFailure("nghttp2 session not created")
        }
        var context = ConnectionContext(now: now, pendingOutput: 0, isDraining: false)
        var actions: [ConnectionAction] = []
        session.begin(context: context, actions: &actions)
        guard carryOut(&actions, session: session, context: context, dispatched: &dispatched) else { return dispatched > 0 }
        let stream = ClientPreface.bytes + input
        var start = 0
        for end in PieceEnds(count: stream.count) {
            context = ConnectionContext(now: now, pendingOutput: 0, isDraining: false)
            actions = stream[start..<end].withUnsafeBytes { session.handle(.received($0), context: context) }
            start = end
            guard carryOut(&actions, session: session, context: context, dispatched: &dispatched) else { return dispatched > 0 }
            now += 5_000_000
            context.now = now
            actions = session.handle(.timer, context: context)
            guard carryOut(&actions, session: session, context: context, dispatched: &dispatched) else { return dispatched > 0 }
        }
        now += 3_600_000_000_000
        context.now = now
        actions = session.handle(.timer, context: context)
        guard carryOut(&actions, session: session, context: context, dispatched: &dispatched) else { return dispatched > 0 }
        context = ConnectionContext(now: now, pendingOutput: 0, isDraining: true)
        actions = session.handle(.drain, context: context)
        _ = carryOut(&actions, session: session, context: context, dispatched: &dispatched)
        _ = session.handle(.closed, context: context)
        return dispatched > 0
    }

    private static func environment(_ configuration: ServerConfiguration) -> SessionEnvironment {
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        return SessionEnvironment(configuration: configuration, admission: nil, remoteAddress: "fuzz",
                                  httpDate: { "Thu, 01 Jan 2026 00:00:00 GMT" }, logger: logger)
    }

    /// Answers what the session dispatched and reports its writes flushed, as a driver would;
    /// false once the session closed the connection.
    private static func carryOut(_ actions: inout [ConnectionAction], session: ConnectionSession,
                                 context: ConnectionContext, dispatched: inout Int) -> Bool {
        var rounds = 0
        while !actions.isEmpty {
            rounds += 1
            precondition(rounds < 10_000, "a session that never stops asking")
            var next: [ConnectionAction] = []
            var wrote = false
            for action in actions {
                switch action {
                case .dispatch(let request, let id):
                    dispatched += 1
                    let body: [UInt8] = Array("\(request.method.rawValue) \(request.path) \(request.body.count)".utf8)
                    session.handle(.responded(id: id, Response(status: 200, body: body)), context: context, actions: &next)
                case .write:
                    wrote = true
                case .close, .closeAfterWrite, .switchToHTTP2:
                    session.handle(.closed, context: context, actions: &next)
                    return false
                case .completed, .streamsOpenChanged, .goawaySent:
                    break
                }
            }
            if wrote { session.handle(.outputFlushed, context: context, actions: &next) }
            actions = next
        }
        return true
    }

    /// A parse outcome reduced to what must not depend on how the input was cut.
    private enum Summary: Equatable, CustomStringConvertible {
        case needMore
        case complete(head: String, consumed: Int)
        case rejected

        init(_ outcome: RequestHeadParser.Outcome) {
            switch outcome {
            case .needMore: self = .needMore
            case .rejected: self = .rejected
            case .complete(let head, let consumed):
                let fields = head.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
                self = .complete(head: "\(head.method.rawValue) \(head.target) \(head.version)\n\(fields)", consumed: consumed)
            }
        }

        var description: String {
            switch self {
            case .needMore: "needs more"
            case .rejected: "refused"
            case .complete(let head, let consumed): "complete after \(consumed) bytes: \(head.debugDescription)"
            }
        }
    }
}

/// Where a fuzz input is cut into pieces: sizes from 1 to 16 bytes drawn from a generator seeded
/// by the input's length, so each input is replayed the same way.
struct PieceEnds: Sequence, IteratorProtocol {
    let count: Int
    private var position = 0
    private var state: UInt64

    init(count: Int) {
        self.count = count
        state = UInt64(count) &* 0x9E37_79B9_7F4A_7C15 | 1
    }

    mutating func next() -> Int? {
        guard position < count else { return nil }
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        position = Swift.min(count, position + 1 + Int(state >> 60))
        return position
    }
}
