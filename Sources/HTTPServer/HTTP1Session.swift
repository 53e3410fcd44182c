import Logging

/// HTTP/1.1 on one connection, as a state machine: bytes in, requests and encoded responses out.
/// It parses heads and bodies, admits or refuses them, keeps pipelined responses in request order,
/// sends `100 Continue` in turn, applies the header, body and keep-alive timeouts, and hands the
/// connection over to HTTP/2 on a client preface or an `Upgrade: h2c`. It never touches a socket.
final class HTTP1Session: ConnectionSession {
    /// Where reading stands within the request stream.
    enum ReadPhase: Equatable {
        /// Reading a request head (or waiting for the next one).
        case head
        /// The head asked for `100 Continue`; waiting until earlier responses are written so the
        /// interim response cannot overtake them.
        case awaitingContinueTurn
        case body
        /// No further requests will be read; input is discarded.
        case done
    }

    private struct PendingRequest {
        var head: RequestHead
        var framing: MessageFraming
        var startedAt: UInt64
    }

    private let environment: SessionEnvironment
    /// Shared by every request of the connection: closed when the client goes.
    let state: ConnectionState

    private var inbound = InboundBuffer()
    private var pipeline = PipelineQueue()
    private(set) var phase = ReadPhase.head
    /// Set once the connection is to close (or became HTTP/2): nothing more is read or answered.
    private(set) var finished = false
    private var parser: RequestHeadParser
    private var current: PendingRequest?
    private var bodyReader: BodyReader?
    private var body: [UInt8] = []
    /// Bytes were handed to the driver and not yet reported flushed.
    private var outputPending = false
    /// Until the first bytes rule it out, the connection may be an HTTP/2 client's preface.
    private var sniffing: Bool

    private var idleSince: UInt64
    private var requestStartedAt: UInt64 = 0
    private var lastBodyBytesAt: UInt64 = 0

    private var limits: HTTPLimits { environment.configuration.limits }
    private var timeouts: HTTPTimeouts { environment.configuration.timeouts }

    /// Input buffered while parsing is paused (pipelining depth reached, awaiting a turn) before
    /// reading stops too.
    private var inboundHighWater: Int { max(256 * 1024, limits.maxRequestLineBytes + limits.maxHeaderBytes) }

    init(environment: SessionEnvironment, state: ConnectionState = ConnectionState(), now: UInt64) {
        self.environment = environment
        self.state = state
        parser = RequestHeadParser(limits: environment.configuration.limits)
        sniffing = environment.configuration.http2.enabled
        idleSince = now
    }

    func handle(_ event: ConnectionEvent, context: ConnectionContext, actions: inout [ConnectionAction]) {
        switch event {
        case .received(let bytes):
            guard !finished, phase != .done else { return }
            inbound.append(bytes)
            advance(context, &actions)
        case .responded(let id, let response):
            guard !finished else { return }
            guard pipeline.complete(id, with: response) else {
                environment.logger.warning("response ignored: request already answered",
                                           metadata: ["remote": "\(environment.remoteAddress)"])
                return
            }
            writeReady(context, &actions)
            advance(context, &actions)
        case .outputFlushed:
            outputPending = false
            guard !finished, pipeline.isEmpty, !requestInProgress else { return }
            idleSince = context.now
            if context.isDraining { finish(.close, &actions) }
        case .timer:
            checkDeadlines(context, &actions)
        case .drain:
            guard !finished else { return }
            if pipeline.isEmpty, !requestInProgress, !outputPending {
                finish(.close, &actions)
            } else if phase == .head, !requestInProgress {
                // Earlier requests are still being answered and no later one has begun: take no
                // more. One whose first bytes have arrived (even a lone `P` that might still have
                // been the HTTP/2 preface) is read and answered like any request in flight.
                phase = .done
                inbound.removeAll()
            }
        case .closed:
            finished = true
            state.markClosed()
            inbound.removeAll()
            pipeline.removeAll()
            body = []
        }
    }

    func acceptsInput(context: ConnectionContext) -> Bool {
        finished || inbound.readableCount < inboundHighWater
    }

    // MARK: reading

    /// Parses as far as the buffered input allows, dispatching complete requests.
    private func advance(_ context: ConnectionContext, _ actions: inout [ConnectionAction]) {
        loop: while !finished {
            switch phase {
            case .done:
                inbound.removeAll()
                break loop
            case .head:
                guard pipeline.count < limits.maxPipelinedRequests, !inbound.isEmpty else { break loop }
                if sniffing {
                    guard sniffPreface(context, &actions) else { break loop }
                    continue
                }
                if !parser.hasStarted { requestStartedAt = context.now }
                switch parser.parse(inbound.bytes, start: inbound.start, end: inbound.end) {
                case .needMore:
                    break loop
                case .rejected(let rejection):
                    reject(rejection, method: parser.methodText, path: parser.pathText, context, &actions)
                case .complete(let head, let consumed):
                    inbound.consume(consumed)
                    beginRequest(head, context, &actions)
                }
            case .awaitingContinueTurn:
                guard pipeline.isEmpty else { break loop }
                write(ResponseEncoder.continueResponse, &actions)
                phase = .body
                lastBodyBytesAt = context.now
            case .body:
                guard !inbound.isEmpty, var reader = bodyReader else { break loop }
                let result = reader.read(inbound.bytes, start: inbound.start, end: inbound.end, into: &body)
                bodyReader = reader
                switch result {
                case .failure(let rejection):
                    reject(rejection, method: current?.head.method.rawValue ?? "", path: current?.head.path ?? "",
                           context, &actions)
                case .success(let consumed):
                    inbound.consume(consumed)
                    lastBodyBytesAt = context.now
                    if reader.isFinished { dispatchCurrent(context, &actions) }
                }
            }
        }
    }

    /// At the start of a connection: waits while the bytes could still be the HTTP/2 client preface,
    /// switches to HTTP/2 once they are, and stops sniffing at the first byte that differs. Returns
    /// false while more bytes are needed to tell.
    private func sniffPreface(_ context: ConnectionContext, _ actions: inout [ConnectionAction]) -> Bool {
        if requestStartedAt == 0 { requestStartedAt = context.now }
        let seen = inbound.bytes[inbound.start..<inbound.end]
        switch ClientPreface.match(seen) {
        case .differs:
            sniffing = false
            requestStartedAt = 0
            return true
        case .partial:
            return false
        case .complete:
            finished = true
            actions.append(.switchToHTTP2(.priorKnowledge(received: Array(seen))))
            inbound.removeAll()
            return false
        }
    }

    private func beginRequest(_ head: RequestHead, _ context: ConnectionContext, _ actions: inout [ConnectionAction]) {
        sniffing = false
        switch MessageFraming.decide(for: head, limits: limits) {
        case .failure(let rejection):
            reject(rejection, method: head.method.rawValue, path: head.path, context, &actions)
        case .success(let framing):
            current = PendingRequest(head: head, framing: framing, startedAt: context.now)
            if environment.configuration.http2.enabled, !framing.hasBody, pipeline.isEmpty, !context.isDraining,
               let settings = H2CUpgrade.settings(in: head) {
                upgrade(head, settings: settings, startedAt: context.now, &actions)
                return
            }
            if let admission = environment.admission, let refusal = admission(head) {
                refuse(with: refusal, context, &actions)
                return
            }
            body = []
            // Reserve for what was declared, but not more than 1 MiB on a client's word alone.
            if case .length(let n) = framing.body { body.reserveCapacity(min(n, 1 << 20)) }
            bodyReader = BodyReader(framing: framing.body, limits: limits)
            if !framing.hasBody {
                dispatchCurrent(context, &actions)
            } else if framing.expectsContinue, inbound.isEmpty {
                phase = .awaitingContinueTurn
            } else {
                phase = .body
                lastBodyBytesAt = context.now
            }
        }
    }

    /// Answers `101 Switching Protocols` and hands the connection, with this request as stream 1,
    /// to HTTP/2. Only for requests without a body, with nothing earlier still unanswered.
    private func upgrade(_ head: RequestHead, settings: [UInt8], startedAt: UInt64,
                         _ actions: inout [ConnectionAction]) {
        write(H2CUpgrade.switchingProtocols, &actions)
        let rest = Array(inbound.bytes[inbound.start..<inbound.end])
        inbound.removeAll()
        current = nil
        finished = true
        phase = .done
        actions.append(.switchToHTTP2(.upgrade(request: head, settings: settings, received: rest, startedAt: startedAt)))
    }

    /// The head stage refused the request. Its body was never asked for (no `100 Continue`), so
    /// unless there is none the connection cannot be reused.
    private func refuse(with response: Response, _ context: ConnectionContext, _ actions: inout [ConnectionAction]) {
        guard let request = current else { return }
        current = nil
        let close = request.framing.hasBody || !request.framing.keepAlive || context.isDraining
        _ = pipeline.append(method: request.head.method, methodText: request.head.method.rawValue,
                            path: request.head.path, requestBodyBytes: 0, startedAt: request.startedAt,
                            closeAfter: close, response: response)
        phase = close ? .done : .head
        parser = RequestHeadParser(limits: limits)
        writeReady(context, &actions)
    }

    private func dispatchCurrent(_ context: ConnectionContext, _ actions: inout [ConnectionAction]) {
        guard let pending = current else { return }
        let close = !pending.framing.keepAlive || context.isDraining
        let sequence = pipeline.append(method: pending.head.method, methodText: pending.head.method.rawValue,
                                       path: pending.head.path, requestBodyBytes: body.count,
                                       startedAt: pending.startedAt, closeAfter: close)
        let request = Request(head: pending.head, body: body, remoteAddress: environment.remoteAddress, connection: state)
        current = nil
        bodyReader = nil
        body = []
        phase = close ? .done : .head
        parser = RequestHeadParser(limits: limits)
        actions.append(.dispatch(request, id: sequence))
    }

    /// Answers a request the server itself refuses, then closes: after a framing or size error the
    /// rest of the stream cannot be trusted.
    private func reject(_ rejection: RequestRejection, method: String, path: String,
                        _ context: ConnectionContext, _ actions: inout [ConnectionAction]) {
        environment.logger.debug("request rejected", metadata: [
            "remote": "\(environment.remoteAddress)", "status": "\(rejection.status)", "reason": "\(rejection.reason)",
        ])
        let startedAt = current?.startedAt ?? requestStartedAt
        _ = pipeline.append(method: current?.head.method, methodText: method, path: path,
                            requestBodyBytes: body.count, startedAt: startedAt, closeAfter: true,
                            response: RequestRejection.response(status: rejection.status, reason: rejection.reason,
                                                                configuration: environment.configuration))
        current = nil
        bodyReader = nil
        body = []
        phase = .done
        inbound.removeAll()
        writeReady(context, &actions)
    }

    /// A request is partly read: the head has begun, or its body is being read or awaited.
    private var requestInProgress: Bool {
        switch phase {
        case .head: parser.hasStarted || (sniffing && !inbound.isEmpty)
        case .awaitingContinueTurn, .body: true
        case .done: false
        }
    }

    // MARK: writing

    private func write(_ bytes: [UInt8], _ actions: inout [ConnectionAction]) {
        guard !bytes.isEmpty else { return }
        outputPending = true
        actions.append(.write(bytes))
    }

    /// Encodes every response whose turn has come.
    private func writeReady(_ context: ConnectionContext, _ actions: inout [ConnectionAction]) {
        while let entry = pipeline.popReady(), let response = entry.response {
            // While draining, the last response before the connection goes idle says so.
            let close = entry.closeAfter || (context.isDraining && pipeline.isEmpty && !requestInProgress)
            let encoded = ResponseEncoder.encode(response, requestMethod: entry.method, close: close,
                                                 date: environment.httpDate(),
                                                 serverName: environment.configuration.serverName)
            write(encoded.head, &actions)
            if encoded.sendsBody { write(response.body, &actions) }
            actions.append(.completed(RequestSummary(
                method: entry.methodText, path: entry.path, status: response.status,
                requestBodyBytes: entry.requestBodyBytes,
                responseBodyBytes: encoded.sendsBody ? response.body.count : 0,
                duration: .nanoseconds(Int64(context.now &- entry.startedAt)),
                remoteAddress: environment.remoteAddress, httpProtocol: .http1_1)))
            if close {
                finish(.closeAfterWrite, &actions)
                break
            }
        }
    }

    private func finish(_ action: ConnectionAction, _ actions: inout [ConnectionAction]) {
        finished = true
        phase = .done
        pipeline.removeAll()
        inbound.removeAll()
        actions.append(action)
    }

    // MARK: timeouts

    func nextDeadline() -> UInt64? {
        guard !finished else { return nil }
        let t = timeouts
        switch phase {
        case .head where parser.hasStarted || (sniffing && !inbound.isEmpty):
            return requestStartedAt + t.headerRead.nanoseconds
        case .head where pipeline.isEmpty && !outputPending:
            return idleSince + t.keepAliveIdle.nanoseconds
        case .body:
            return lastBodyBytesAt + t.bodyIdle.nanoseconds
        default:
            return nil
        }
    }

    private func checkDeadlines(_ context: ConnectionContext, _ actions: inout [ConnectionAction]) {
        guard !finished, let deadline = nextDeadline(), context.now >= deadline else { return }
        switch phase {
        case .head where parser.hasStarted || (sniffing && !inbound.isEmpty):
            reject(.requestTimeout, method: parser.methodText, path: parser.pathText, context, &actions)
        case .head:
            finish(.close, &actions)
        case .body:
            reject(.requestTimeout, method: current?.head.method.rawValue ?? "", path: current?.head.path ?? "",
                   context, &actions)
        default:
            break
        }
    }
}

/// What a session needs from the server besides its events: configuration, the admission check,
/// the peer's address, the `Date` value and a logger.
struct SessionEnvironment {
    var configuration: ServerConfiguration
    var admission: Server.Admission?
    var remoteAddress: String
    var httpDate: () -> String
    var logger: Logger
}
