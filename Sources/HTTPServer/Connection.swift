import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client connection: reads and parses requests, hands them to the handler, writes responses
/// back in order, and enforces the per-connection limits and timeouts.
///
/// Confined to the server's loop queue (`@unchecked Sendable` only so Dispatch handlers can hold
/// it); handlers on other queues reach it solely through `ServerCore.respond`.
final class Connection: @unchecked Sendable {
    /// Where reading stands within the request stream.
    private enum ReadPhase {
        /// Reading a request head (or waiting for the next one).
        case head
        /// The head asked for `100 Continue`; waiting until earlier responses are written so the
        /// interim response cannot overtake them.
        case awaitingContinueTurn
        case body
        /// No further requests will be read; input is discarded.
        case done
    }

    private enum Lifecycle {
        case open
        /// The last response is queued; once written, half-close and linger.
        case closingAfterWrite
        /// Write side shut, discarding input until the peer closes or the deadline passes.
        case lingering(until: UInt64)
        case closed
    }

    private struct PendingRequest {
        var head: RequestHead
        var framing: MessageFraming
        var startedAt: UInt64
    }

    let id: UInt64
    let fd: Int32
    let remoteAddress: String
    /// False for connections answered 503 over capacity: they are not in the open count.
    let counted: Bool
    let state = ConnectionState()
    private let core: ServerCore

    private var inbound = InboundBuffer()
    private var outbound = OutboundQueue()
    private var pipeline = PipelineQueue()
    private var phase = ReadPhase.head
    private var lifecycle = Lifecycle.open
    private var parser: RequestHeadParser
    private var current: PendingRequest?
    private var bodyReader: BodyReader?
    private var body: [UInt8] = []

    private var readSource: DispatchSourceRead?
    private var readSuspended = false
    private var writeSource: DispatchSourceWrite?
    private var writeSuspended = false
    private var liveSources = 0

    private var idleSince: UInt64
    private var requestStartedAt: UInt64 = 0
    private var lastBodyBytesAt: UInt64 = 0
    private var writeBlockedSince: UInt64?
    private var lingerBytes = 0

    /// Input buffered while parsing is paused (pipelining depth reached, awaiting a turn) before
    /// reading stops too.
    private var inboundHighWater: Int {
        max(256 * 1024, core.limits.maxRequestLineBytes + core.limits.maxHeaderBytes)
    }

    init(id: UInt64, fd: Int32, remoteAddress: String, core: ServerCore, counted: Bool) {
        self.id = id
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.core = core
        self.counted = counted
        parser = RequestHeadParser(limits: core.limits)
        idleSince = MonotonicClock.now()
    }

    func start() {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: core.queue)
        source.setEventHandler { [self] in
            readAvailable()
            core.noteDeadline(nextDeadline())
        }
        source.setCancelHandler { [self] in sourceCancelled() }
        liveSources += 1
        readSource = source
        source.activate()
    }

    /// Answers a connection beyond `maxConnections` with 503 and closes it, without reading a
    /// request (whatever the client sent is discarded while lingering).
    func refuseOverCapacity() {
        start()
        phase = .done
        lifecycle = .closingAfterWrite
        let response = RequestRejection.response(status: 503, reason: "too many connections",
                                                 configuration: core.configuration)
        let encoded = ResponseEncoder.encode(response, requestMethod: nil, close: true,
                                             date: core.httpDate(), serverName: core.configuration.serverName)
        outbound.append(encoded.head)
        outbound.append(response.body)
        flush()
    }

    // MARK: reading

    private func readAvailable() {
        for _ in 0..<16 {
            if case .closed = lifecycle { return }
            guard let n = Socket.receive(fd, into: core.readBuffer) else { break }
            if n < 0 {
                close()
                return
            }
            if n == 0 {
                // End of stream: the client is gone (or, while lingering, done reading our reply).
                close()
                return
            }
            if case .lingering = lifecycle {
                lingerBytes += n
                if lingerBytes > 16 * 1024 * 1024 { close() }
                continue
            }
            if case .done = phase { continue }
            inbound.append(UnsafeRawBufferPointer(rebasing: core.readBuffer[0..<n]))
            if inbound.readableCount >= inboundHighWater { break }
        }
        advance()
    }

    /// Parses as far as the buffered input allows, dispatching complete requests.
    private func advance() {
        loop: while case .open = lifecycle {
            switch phase {
            case .done:
                inbound.removeAll()
                break loop
            case .head:
                guard pipeline.count < core.limits.maxPipelinedRequests, !inbound.isEmpty else { break loop }
                if !parser.hasStarted { requestStartedAt = MonotonicClock.now() }
                switch parser.parse(inbound.bytes, start: inbound.start, end: inbound.end) {
                case .needMore:
                    break loop
                case .rejected(let rejection):
                    reject(rejection, method: parser.methodText, path: parser.pathText)
                case .complete(let head, let consumed):
                    inbound.consume(consumed)
                    beginRequest(head)
                }
            case .awaitingContinueTurn:
                guard pipeline.isEmpty else { break loop }
                outbound.append(ResponseEncoder.continueResponse)
                phase = .body
                lastBodyBytesAt = MonotonicClock.now()
                flush()
            case .body:
                guard !inbound.isEmpty, var reader = bodyReader else { break loop }
                let result = reader.read(inbound.bytes, start: inbound.start, end: inbound.end, into: &body)
                bodyReader = reader
                switch result {
                case .failure(let rejection):
                    reject(rejection, method: current?.head.method.rawValue ?? "", path: current?.head.path ?? "")
                case .success(let consumed):
                    inbound.consume(consumed)
                    lastBodyBytesAt = MonotonicClock.now()
                    if reader.isFinished { dispatchCurrent() }
                }
            }
        }
        updateReadInterest()
    }

    private func beginRequest(_ head: RequestHead) {
        switch MessageFraming.decide(for: head, limits: core.limits) {
        case .failure(let rejection):
            reject(rejection, method: head.method.rawValue, path: head.path)
        case .success(let framing):
            current = PendingRequest(head: head, framing: framing, startedAt: MonotonicClock.now())
            if let admission = core.admission, let refusal = admission(head) {
                refuse(with: refusal)
                return
            }
            body = []
            // Reserve for what was declared, but not more than 1 MiB on a client's word alone.
            if case .length(let n) = framing.body { body.reserveCapacity(min(n, 1 << 20)) }
            bodyReader = BodyReader(framing: framing.body, limits: core.limits)
            if !framing.hasBody {
                dispatchCurrent()
            } else if framing.expectsContinue, inbound.isEmpty {
                phase = .awaitingContinueTurn
            } else {
                phase = .body
                lastBodyBytesAt = MonotonicClock.now()
            }
        }
    }

    /// The head stage refused the request. Its body was never asked for (no `100 Continue`), so
    /// unless there is none the connection cannot be reused.
    private func refuse(with response: Response) {
        guard let request = current else { return }
        current = nil
        let close = request.framing.hasBody || !request.framing.keepAlive || core.isDraining
        _ = pipeline.append(method: request.head.method, methodText: request.head.method.rawValue,
                            path: request.head.path, requestBodyBytes: 0, startedAt: request.startedAt,
                            closeAfter: close, response: response)
        phase = close ? .done : .head
        parser = RequestHeadParser(limits: core.limits)
        writeReady()
    }

    private func dispatchCurrent() {
        guard let pending = current else { return }
        let close = !pending.framing.keepAlive || core.isDraining
        let sequence = pipeline.append(method: pending.head.method, methodText: pending.head.method.rawValue,
                                       path: pending.head.path, requestBodyBytes: body.count,
                                       startedAt: pending.startedAt, closeAfter: close)
        let request = Request(head: pending.head, body: body, remoteAddress: remoteAddress, connection: state)
        current = nil
        bodyReader = nil
        body = []
        phase = close ? .done : .head
        parser = RequestHeadParser(limits: core.limits)

        let respond: @Sendable (Response) -> Void = { [core, id] response in
            core.respond(connectionID: id, sequence: sequence, response: response)
        }
        let handler = core.handler
        core.handlerQueue.async { handler(request, respond) }
    }

    /// Answers a request the server itself refuses, then closes: after a framing or size error the
    /// rest of the stream cannot be trusted.
    private func reject(_ rejection: RequestRejection, method: String, path: String) {
        core.logger.debug("request rejected", metadata: [
            "remote": "\(remoteAddress)", "status": "\(rejection.status)", "reason": "\(rejection.reason)",
        ])
        let startedAt = current?.startedAt ?? requestStartedAt
        _ = pipeline.append(method: current?.head.method, methodText: method, path: path,
                            requestBodyBytes: body.count, startedAt: startedAt, closeAfter: true,
                            response: RequestRejection.response(status: rejection.status, reason: rejection.reason,
                                                                configuration: core.configuration))
        current = nil
        bodyReader = nil
        body = []
        phase = .done
        inbound.removeAll()
        writeReady()
    }

    /// A request is partly read: the head has begun, or its body is being read or awaited.
    private var requestInProgress: Bool {
        switch phase {
        case .head: parser.hasStarted
        case .awaitingContinueTurn, .body: true
        case .done: false
        }
    }

    /// Pauses reading when parsing is paused and enough input is buffered; resumes otherwise.
    /// Reading stays on in every other state so a client that disconnects is noticed at once.
    private func updateReadInterest() {
        guard let source = readSource else { return }
        let shouldPause: Bool
        if case .open = lifecycle {
            shouldPause = inbound.readableCount >= inboundHighWater
        } else {
            shouldPause = false
        }
        if shouldPause, !readSuspended {
            readSuspended = true
            source.suspend()
        } else if !shouldPause, readSuspended {
            readSuspended = false
            source.resume()
        }
    }

    // MARK: writing

    func deliver(sequence: UInt64, response: Response) {
        guard case .open = lifecycle else { return }
        guard pipeline.complete(sequence, with: response) else {
            core.logger.warning("response ignored: request already answered", metadata: ["remote": "\(remoteAddress)"])
            return
        }
        writeReady()
        advance()
    }

    /// Encodes every response whose turn has come and starts writing.
    private func writeReady() {
        let now = MonotonicClock.now()
        while let entry = pipeline.popReady(), let response = entry.response {
            // While draining, the last response before the connection goes idle says so.
            let close = entry.closeAfter || (core.isDraining && pipeline.isEmpty && !requestInProgress)
            let encoded = ResponseEncoder.encode(response, requestMethod: entry.method, close: close,
                                                 date: core.httpDate(), serverName: core.configuration.serverName)
            outbound.append(encoded.head)
            if encoded.sendsBody { outbound.append(response.body) }
            core.events.requestCompleted?(RequestSummary(
                method: entry.methodText, path: entry.path, status: response.status,
                requestBodyBytes: entry.requestBodyBytes,
                responseBodyBytes: encoded.sendsBody ? response.body.count : 0,
                duration: .nanoseconds(Int64(now &- entry.startedAt)), remoteAddress: remoteAddress))
            if close {
                pipeline.removeAll()
                phase = .done
                inbound.removeAll()
                lifecycle = .closingAfterWrite
                break
            }
        }
        flush()
    }

    private func flush() {
        var failed = false
        var progressed = false
        let done = outbound.drain { bytes in
            guard let n = Socket.send(fd, bytes) else { return nil }
            if n < 0 {
                failed = true
                return nil
            }
            progressed = true
            return n
        }
        if failed {
            close()
            return
        }
        if done {
            writeBlockedSince = nil
            setWriteInterest(false)
            outboundFlushed()
        } else {
            if progressed || writeBlockedSince == nil { writeBlockedSince = MonotonicClock.now() }
            setWriteInterest(true)
        }
    }

    private func outboundFlushed() {
        switch lifecycle {
        case .closingAfterWrite:
            startLingering()
        case .open where pipeline.isEmpty && !requestInProgress:
            idleSince = MonotonicClock.now()
            if core.isDraining { close() }
        default:
            break
        }
    }

    private func setWriteInterest(_ on: Bool) {
        if on {
            if let source = writeSource {
                if writeSuspended {
                    writeSuspended = false
                    source.resume()
                }
            } else {
                let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: core.queue)
                source.setEventHandler { [self] in
                    flush()
                    core.noteDeadline(nextDeadline())
                }
                source.setCancelHandler { [self] in sourceCancelled() }
                liveSources += 1
                writeSource = source
                source.activate()
            }
        } else if let source = writeSource, !writeSuspended {
            writeSuspended = true
            source.suspend()
        }
    }

    // MARK: closing

    /// Half-closes after the last response and discards input for a while, so data the client
    /// was still sending does not turn into a reset that destroys the response in flight.
    private func startLingering() {
        lifecycle = .lingering(until: MonotonicClock.now() + core.timeouts.linger.nanoseconds)
        state.markClosed()
        inbound.removeAll()
        shutdown(fd, Int32(SHUT_WR))
        updateReadInterest()
    }

    /// Closes for good: cancels the sources (the descriptor is closed once both have finished),
    /// marks the connection closed for handlers, and leaves the server's table.
    func close() {
        if case .closed = lifecycle { return }
        lifecycle = .closed
        state.markClosed()
        inbound.removeAll()
        outbound.removeAll()
        pipeline.removeAll()
        body = []
        if let source = readSource {
            if readSuspended { source.resume() }
            source.cancel()
        }
        if let source = writeSource {
            if writeSuspended { source.resume() }
            source.cancel()
        }
        readSuspended = false
        writeSuspended = false
        if liveSources == 0 { Socket.closeDescriptor(fd) }
        core.connectionClosed(self)
    }

    private func sourceCancelled() {
        liveSources -= 1
        if liveSources == 0 {
            readSource = nil
            writeSource = nil
            Socket.closeDescriptor(fd)
        }
    }

    /// Shutdown began: an idle connection closes now; a busy one stops reading new requests and
    /// closes after its last response (which carries `Connection: close`).
    func beginDrain() {
        guard case .open = lifecycle else { return }
        if pipeline.isEmpty, !requestInProgress, outbound.isEmpty {
            close()
            return
        }
        if case .head = phase, !parser.hasStarted {
            phase = .done
            inbound.removeAll()
        }
    }

    // MARK: timeouts

    /// The earliest moment a timeout could fire for this connection, if any applies.
    func nextDeadline() -> UInt64? {
        var deadline: UInt64?
        func consider(_ d: UInt64) { deadline = min(deadline ?? .max, d) }
        let t = core.timeouts
        switch lifecycle {
        case .closed:
            return nil
        case .lingering(let until):
            return until
        default:
            break
        }
        if let since = writeBlockedSince { consider(since + t.write.nanoseconds) }
        if case .open = lifecycle {
            switch phase {
            case .head where parser.hasStarted:
                consider(requestStartedAt + t.headerRead.nanoseconds)
            case .head where pipeline.isEmpty && outbound.isEmpty:
                consider(idleSince + t.keepAliveIdle.nanoseconds)
            case .body:
                consider(lastBodyBytesAt + t.bodyIdle.nanoseconds)
            default:
                break
            }
        }
        return deadline
    }

    func checkDeadlines(now: UInt64) {
        let t = core.timeouts
        if case .lingering(let until) = lifecycle, now >= until {
            close()
            return
        }
        if let since = writeBlockedSince, now >= since + t.write.nanoseconds {
            core.logger.debug("write timeout", metadata: ["remote": "\(remoteAddress)"])
            close()
            return
        }
        guard case .open = lifecycle else { return }
        switch phase {
        case .head where parser.hasStarted:
            if now >= requestStartedAt + t.headerRead.nanoseconds {
                reject(.requestTimeout, method: parser.methodText, path: parser.pathText)
            }
        case .head where pipeline.isEmpty && outbound.isEmpty:
            if now >= idleSince + t.keepAliveIdle.nanoseconds { close() }
        case .body:
            if now >= lastBodyBytesAt + t.bodyIdle.nanoseconds {
                reject(.requestTimeout, method: current?.head.method.rawValue ?? "", path: current?.head.path ?? "")
            }
        default:
            break
        }
    }
}
