import CNGHTTP2
import Logging

/// HTTP/2 on one connection through libnghttp2, behind the same event/action interface as
/// `HTTP1Session`. nghttp2 does the framing, HPACK and flow-control bookkeeping; this class decides
/// what a stream may do: it turns complete streams into requests (at most `maxDispatchedStreams` at
/// the handler at once, the rest waiting in order), returns flow-control credit only for body bytes it
/// is willing to hold, answers refusals the way HTTP/1.1 does, and counts what 1.52's options do not
/// (resets both ways, CONTINUATION, SETTINGS and PING floods, header bombs), ending an abusive
/// connection with GOAWAY. Bytes leave through `nghttp2_session_mem_send`; response bodies come from a
/// data provider that answers NGHTTP2_ERR_DEFERRED while the socket lags and is resumed
/// (`nghttp2_session_resume_data`) once it has caught up, so control frames (acks, WINDOW_UPDATE for
/// other uploads, resets, GOAWAY) never wait behind a large image.
///
/// nghttp2 calls back into this object through a context pointer (`Unmanaged`, unretained: the
/// session never outlives it) with `@convention(c)` closures; everything runs on the server's loop.
final class HTTP2Session: ConnectionSession {
    let environment: SessionEnvironment
    private(set) var session: OpaquePointer!
    private(set) var streams: [Int32: HTTP2Stream] = [:]
    /// Complete requests waiting for a dispatch slot, oldest first.
    private var waiting: [Int32] = []
    private var waitingStart = 0
    private(set) var dispatchedCount = 0
    private var bufferedBodyBytes = 0

    private var clientResets: RateBudget
    private var serverResets: RateBudget
    private var settingsFrames: RateBudget
    private var pingFrames: RateBudget
    private var continuationFrames = 0

    /// Set when the connection is ended for abuse; the GOAWAY then names this reason.
    private(set) var abortReason: HTTP2GoawayReason?
    /// The reason for a GOAWAY this side submitted, for the metric when it is sent.
    private var submittedGoaway: HTTP2GoawayReason?
    /// A GOAWAY that ends the connection is submitted: input is ignored from now on.
    private(set) var terminating = false
    /// Graceful shutdown: GOAWAY with the last stream id sent, in-flight streams finish.
    private(set) var draining = false
    private var closing = false
    private var prefaceReceived = false
    private let createdAt: UInt64
    private var idleSince: UInt64

    /// The current event's time and the actions its callbacks produce.
    private(set) var now: UInt64
    private var pending: [ConnectionAction] = []

    var configuration: HTTP2Configuration { environment.configuration.http2 }
    var limits: HTTPLimits { environment.configuration.limits }
    private var timeouts: HTTPTimeouts { environment.configuration.timeouts }
    private var bodyBudget: Int { configuration.maxBufferedBodyBytes ?? limits.maxBodyBytes }

    /// Unsent bytes past which response bodies wait for the socket.
    private let outputHighWater = 1 << 20
    /// Response body bytes nghttp2 may still copy into frames in this turn.
    private var sendAllowance = 0
    /// Streams whose data provider deferred, to resume once the socket catches up.
    private var deferredStreams: Set<Int32> = []

    init?(environment: SessionEnvironment, now: UInt64) {
        self.environment = environment
        let c = environment.configuration.http2
        clientResets = RateBudget(c.clientResets, now: now)
        serverResets = RateBudget(c.serverResets, now: now)
        settingsFrames = RateBudget(c.settingsFrames, now: now)
        pingFrames = RateBudget(c.pingFrames, now: now)
        createdAt = now
        idleSince = now
        self.now = now
        var created: OpaquePointer?
        guard HTTP2Callbacks.makeSession(&created, context: Unmanaged.passUnretained(self).toOpaque()) == 0,
              let created else { return nil }
        session = created
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    /// The object behind a context pointer handed to nghttp2.
    static func from(_ context: UnsafeMutableRawPointer) -> HTTP2Session {
        Unmanaged<HTTP2Session>.fromOpaque(context).takeUnretainedValue()
    }

    // MARK: starting

    /// Starts a prior-knowledge connection: the server's SETTINGS and connection window go out first.
    func begin(context: ConnectionContext, actions: inout [ConnectionAction]) {
        now = context.now
        submitSettings()
        finishTurn(context, &actions)
    }

    /// Starts after `101 Switching Protocols`: the client's HTTP2-Settings apply and the request that
    /// asked for the upgrade becomes stream 1, half-closed from the client's side.
    func beginUpgrade(request: RequestHead, settings: [UInt8], startedAt: UInt64,
                      context: ConnectionContext, actions: inout [ConnectionAction]) {
        now = context.now
        let rv = settings.withUnsafeBufferPointer {
            nghttp2_session_upgrade2(session, $0.baseAddress, $0.count, request.method == .head ? 1 : 0, nil)
        }
        submitSettings()
        if rv == 0 {
            let stream = HTTP2Stream(id: 1, now: startedAt)
            stream.head = H2CUpgrade.streamRequest(request)
            streams[1] = stream
            pending.append(.streamsOpenChanged(1))
            admit(stream, endStream: true)
        } else {
            environment.logger.debug("h2c upgrade refused by nghttp2", metadata: ["error": "\(rv)"])
            terminate(.protocolError, code: NGHTTP2_PROTOCOL_ERROR)
        }
        finishTurn(context, &actions)
    }

    private func submitSettings() {
        let c = configuration
        let entries = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue),
                                   value: UInt32(clamping: c.maxConcurrentStreams)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue),
                                   value: UInt32(clamping: min(c.initialWindowSize, Int(Int32.max)))),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                                   value: UInt32(clamping: limits.maxHeaderBytes)),
        ]
        _ = entries.withUnsafeBufferPointer {
            nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), $0.baseAddress, $0.count)
        }
        _ = nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0,
                                                  Int32(clamping: c.connectionWindowSize))
    }

    // MARK: events

    func handle(_ event: ConnectionEvent, context: ConnectionContext, actions: inout [ConnectionAction]) {
        now = context.now
        switch event {
        case .received(let bytes):
            guard !terminating, !closing, let base = bytes.baseAddress else { return }
            let rv = nghttp2_session_mem_recv(session, base.assumingMemoryBound(to: UInt8.self), bytes.count)
            if rv < 0, !terminating {
                // A fatal error nghttp2 found itself (a bad preface, its flood checks, no memory).
                environment.logger.debug("HTTP/2 session failed", metadata: [
                    "remote": "\(environment.remoteAddress)", "error": "\(String(cString: nghttp2_strerror(Int32(rv))))",
                ])
                if Int32(rv) == NGHTTP2_ERR_FLOODED.rawValue {
                    terminate(.flood, code: NGHTTP2_ENHANCE_YOUR_CALM)
                } else {
                    closing = true
                    pending.append(.closeAfterWrite)
                }
            }
        case .responded(let id, let response):
            guard let stream = streams[Int32(truncatingIfNeeded: id)], stream.phase == .dispatched else { break }
            dispatchedCount -= 1
            respond(stream, with: response)
            dispatchWaiting()
        case .outputFlushed, .timer:
            if case .timer = event { checkDeadlines() }
        case .drain:
            guard !draining, !terminating, !closing else { break }
            draining = true
            submittedGoaway = .shutdown
            _ = nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue),
                                      nghttp2_session_get_last_proc_stream_id(session),
                                      NGHTTP2_NO_ERROR.rawValue, nil, 0)
        case .closed:
            closing = true
            for stream in streams.values { stream.state.markClosed() }
            if !streams.isEmpty { pending.append(.streamsOpenChanged(-streams.count)) }
            streams.removeAll()
            waiting.removeAll()
            deferredStreams.removeAll()
            actions.append(contentsOf: pending)
            pending.removeAll()
            return
        }
        finishTurn(context, &actions)
    }

    func acceptsInput(context: ConnectionContext) -> Bool {
        terminating || closing || context.pendingOutput < 4 * outputHighWater
    }

    /// Pulls what nghttp2 has to send (bodies only while the socket keeps up), then decides whether
    /// the connection is done.
    private func finishTurn(_ context: ConnectionContext, _ actions: inout [ConnectionAction]) {
        if !closing {
            sendAllowance = outputHighWater - context.pendingOutput
            if sendAllowance > 0, !deferredStreams.isEmpty {
                for id in deferredStreams { _ = nghttp2_session_resume_data(session, id) }
                deferredStreams.removeAll()
            }
            var out: [UInt8] = []
            while true {
                // Abuse noticed while sending (too many resets provoked): GOAWAY goes next.
                if let reason = abortReason, !terminating { terminate(reason, code: NGHTTP2_ENHANCE_YOUR_CALM) }
                var data: UnsafePointer<UInt8>?
                let n = nghttp2_session_mem_send(session, &data)
                if n < 0 {
                    closing = true
                    pending.append(.close)
                    break
                }
                guard n > 0, let data else { break }
                out.append(contentsOf: UnsafeBufferPointer(start: data, count: n))
                sendAllowance -= n
            }
            if !out.isEmpty { pending.append(.write(out)) }
        }
        if !closing {
            let wantsWrite = nghttp2_session_want_write(session) != 0
            let done = (terminating && !wantsWrite)
                || (draining && streams.isEmpty && !wantsWrite)
                || (nghttp2_session_want_read(session) == 0 && !wantsWrite)
            if done {
                closing = true
                pending.append(.closeAfterWrite)
            }
        }
        actions.append(contentsOf: pending)
        pending.removeAll()
    }

    /// Ends the connection: GOAWAY with `code` (the last stream id processed), no more input.
    func terminate(_ reason: HTTP2GoawayReason, code: nghttp2_error_code) {
        guard !terminating else { return }
        terminating = true
        submittedGoaway = reason
        environment.logger.debug("HTTP/2 connection ended", metadata: [
            "remote": "\(environment.remoteAddress)", "reason": "\(reason.rawValue)",
        ])
        _ = nghttp2_session_terminate_session(session, code.rawValue)
    }

    /// Abuse noticed where nghttp2 cannot be stopped (while it sends): GOAWAY follows at once.
    func noteAbuse(_ reason: HTTP2GoawayReason) {
        if abortReason == nil { abortReason = reason }
    }

    /// Marks the connection for GOAWAY ENHANCE_YOUR_CALM; returns the callback failure that makes
    /// nghttp2 stop reading at once.
    func abort(_ reason: HTTP2GoawayReason) -> Int32 {
        if abortReason == nil { abortReason = reason }
        terminate(reason, code: NGHTTP2_ENHANCE_YOUR_CALM)
        return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue
    }

    // MARK: streams

    /// A stream's head is complete and admitted, or refused. `endStream`: no body follows.
    func admit(_ stream: HTTP2Stream, endStream: Bool) {
        guard let head = stream.head else { return }
        stream.startedAt = now
        stream.lastProgressAt = now
        if let admission = environment.admission, let refusal = admission(head) {
            refuse(stream, with: refusal)
            return
        }
        if endStream {
            requestComplete(stream)
        } else {
            stream.phase = .body
            if case .value(let n) = MessageFraming.parseContentLength(head.headers["Content-Length"] ?? "") {
                stream.body.reserveCapacity(min(n, 1 << 20))
            }
        }
    }

    func requestComplete(_ stream: HTTP2Stream) {
        stream.phase = .waiting
        waiting.append(stream.id)
        dispatchWaiting()
    }

    /// Hands waiting requests to the handler while slots are free.
    private func dispatchWaiting() {
        while dispatchedCount < configuration.maxDispatchedStreams, waitingStart < waiting.count {
            let id = waiting[waitingStart]
            waitingStart += 1
            guard let stream = streams[id], stream.phase == .waiting, let head = stream.head else { continue }
            stream.phase = .dispatched
            dispatchedCount += 1
            let request = Request(head: head, body: stream.body, remoteAddress: environment.remoteAddress,
                                  connection: stream.state)
            stream.body = []
            pending.append(.dispatch(request, id: UInt64(id)))
        }
        if waitingStart == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingStart = 0
        }
    }

    /// The server refuses a stream on its own (as HTTP/1.1 rejections, in the configured format).
    func reject(_ stream: HTTP2Stream, _ rejection: RequestRejection) {
        environment.logger.debug("request rejected", metadata: [
            "remote": "\(environment.remoteAddress)", "status": "\(rejection.status)", "reason": "\(rejection.reason)",
        ])
        refuse(stream, with: RequestRejection.response(status: rejection.status, reason: rejection.reason,
                                                       configuration: environment.configuration))
    }

    /// Answers a stream before its request is complete: whatever body still comes is dropped (only
    /// the connection's window is returned for it), and once the response is out the stream is reset
    /// with NO_ERROR so the client stops sending (RFC 9113 §8.1).
    func refuse(_ stream: HTTP2Stream, with response: Response) {
        stream.discarding = true
        stream.body = []
        if stream.unconsumedBytes > 0 {
            _ = nghttp2_session_consume_connection(session, stream.unconsumedBytes)
            stream.unconsumedBytes = 0
        }
        respond(stream, with: response)
    }

    private func respond(_ stream: HTTP2Stream, with response: Response) {
        stream.phase = .responding
        let method = stream.head?.method
        let (fields, sendsBody) = HTTP2Fields.responseFields(
            response, requestMethod: method, date: environment.httpDate(), serverName: environment.configuration.serverName)
        stream.responseBody = sendsBody ? response.body : []
        let rv = HTTP2Fields.withNameValues(fields) { list, count in
            if sendsBody {
                var provider = HTTP2Callbacks.responseBodyProvider()
                return nghttp2_submit_response(session, stream.id, list, count, &provider)
            }
            return nghttp2_submit_response(session, stream.id, list, count, nil)
        }
        if rv != 0 {
            environment.logger.debug("response not submitted", metadata: ["stream": "\(stream.id)", "error": "\(rv)"])
        }
        pending.append(.completed(RequestSummary(
            method: stream.methodText, path: stream.pathText, status: response.status,
            requestBodyBytes: stream.bufferedBytes, responseBodyBytes: stream.responseBody.count,
            duration: .nanoseconds(Int64(now &- stream.startedAt)), remoteAddress: environment.remoteAddress,
            httpProtocol: .h2)))
    }

    /// Copies the next piece of a stream's response body into nghttp2's frame buffer.
    func readResponseBody(_ id: Int32, into buffer: UnsafeMutablePointer<UInt8>, length: Int,
                          flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let stream = streams[id] else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
        guard sendAllowance > 0 else {
            deferredStreams.insert(id)
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        let n = min(length, stream.responseBody.count - stream.responseOffset)
        stream.responseBody.withUnsafeBufferPointer { body in
            if n > 0 { buffer.update(from: body.baseAddress! + stream.responseOffset, count: n) }
        }
        stream.responseOffset += n
        if stream.responseOffset == stream.responseBody.count {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            stream.responseBody = []
            stream.responseOffset = 0
        }
        return n
    }

    // MARK: stream bookkeeping called from nghttp2's callbacks

    func streamOpened(_ id: Int32) {
        streams[id] = HTTP2Stream(id: id, now: now)
        pending.append(.streamsOpenChanged(1))
    }

    func streamClosed(_ id: Int32) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        deferredStreams.remove(id)
        if stream.phase == .dispatched { dispatchedCount -= 1 }
        // A job still waiting for this stream is dropped, as for a client that disconnects.
        stream.state.markClosed()
        bufferedBodyBytes -= stream.bufferedBytes
        // Credit withheld for this stream's bytes still counts against the connection's window.
        if stream.unconsumedBytes > 0 { _ = nghttp2_session_consume_connection(session, stream.unconsumedBytes) }
        pending.append(.streamsOpenChanged(-1))
        if streams.isEmpty { idleSince = now }
        returnDeferredCredit()
        dispatchWaiting()
    }

    /// Body bytes for an open stream: kept (with flow-control credit returned while the
    /// connection's budget allows) or dropped.
    func bodyReceived(_ stream: HTTP2Stream, _ bytes: UnsafeBufferPointer<UInt8>) {
        let count = bytes.count
        guard stream.phase == .body, !stream.discarding else {
            _ = nghttp2_session_consume_connection(session, count)
            return
        }
        stream.lastProgressAt = now
        if stream.body.count + count > limits.maxBodyBytes {
            _ = nghttp2_session_consume_connection(session, count)
            reject(stream, .contentTooLarge)
            return
        }
        stream.body.append(contentsOf: bytes)
        stream.bufferedBytes += count
        bufferedBodyBytes += count
        if bufferedBodyBytes <= bodyBudget || isOldestUpload(stream) {
            _ = nghttp2_session_consume(session, stream.id, count)
        } else {
            stream.unconsumedBytes += count
        }
    }

    func clientReset() -> Bool { clientResets.take(now: now) }
    func serverReset() -> Bool { serverResets.take(now: now) }
    func settingsReceived() -> Bool {
        prefaceReceived = true
        return settingsFrames.take(now: now)
    }
    func pingReceived() -> Bool { pingFrames.take(now: now) }

    /// Counts a frame of a header block; false past the CONTINUATION limit.
    func headerBlockFrame(continuation: Bool) -> Bool {
        continuationFrames = continuation ? continuationFrames + 1 : 0
        return continuationFrames <= configuration.maxContinuationFrames
    }

    /// A GOAWAY left: count it under the reason this side chose, else the error it carries.
    func goawaySent(errorCode: UInt32) {
        let reason = submittedGoaway ?? abortReason ?? {
            switch errorCode {
            case NGHTTP2_PROTOCOL_ERROR.rawValue: .protocolError
            case NGHTTP2_FLOW_CONTROL_ERROR.rawValue: .flowControlError
            case NGHTTP2_COMPRESSION_ERROR.rawValue: .compressionError
            case NGHTTP2_ENHANCE_YOUR_CALM.rawValue: .flood
            default: .other
            }
        }()
        pending.append(.goawaySent(reason: reason.rawValue))
    }

    private func isOldestUpload(_ stream: HTTP2Stream) -> Bool {
        !streams.values.contains { $0.id < stream.id && $0.phase == .body && !$0.discarding }
    }

    /// Returns withheld flow-control credit, oldest stream first, while the budget allows.
    private func returnDeferredCredit() {
        let withheld = streams.values.filter { $0.unconsumedBytes > 0 }.sorted { $0.id < $1.id }
        for stream in withheld where bufferedBodyBytes <= bodyBudget || isOldestUpload(stream) {
            _ = nghttp2_session_consume(session, stream.id, stream.unconsumedBytes)
            stream.unconsumedBytes = 0
        }
    }

    // MARK: timeouts

    func nextDeadline() -> UInt64? {
        guard !closing, !terminating else { return nil }
        let t = timeouts
        var deadline: UInt64?
        func consider(_ d: UInt64) { deadline = min(deadline ?? .max, d) }
        if !prefaceReceived { consider(createdAt + t.headerRead.nanoseconds) }
        if streams.isEmpty, !draining { consider(idleSince + configuration.idleTimeout.nanoseconds) }
        for stream in streams.values {
            switch stream.phase {
            case .headers: consider(stream.startedAt + t.headerRead.nanoseconds)
            case .body: consider(stream.lastProgressAt + t.bodyIdle.nanoseconds)
            default: break
            }
        }
        return deadline
    }

    private func checkDeadlines() {
        guard !closing, !terminating else { return }
        let t = timeouts
        if !prefaceReceived, now >= createdAt + t.headerRead.nanoseconds {
            closing = true
            pending.append(.close)
            return
        }
        if streams.isEmpty, !draining, now >= idleSince + configuration.idleTimeout.nanoseconds {
            terminate(.idle, code: NGHTTP2_NO_ERROR)
            return
        }
        for stream in streams.values.sorted(by: { $0.id < $1.id }) {
            switch stream.phase {
            case .headers where now >= stream.startedAt + t.headerRead.nanoseconds:
                // A header block left unfinished blocks the whole connection (nothing may interleave).
                terminate(.timeout, code: NGHTTP2_NO_ERROR)
                return
            case .body where now >= stream.lastProgressAt + t.bodyIdle.nanoseconds:
                reject(stream, .requestTimeout)
            default:
                break
            }
        }
    }
}
