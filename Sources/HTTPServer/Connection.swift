import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client connection's socket: reads bytes into its session (HTTP/1.1, or HTTP/2 once the
/// client asks for it), carries out what the session asks (write, dispatch to the handler, close),
/// and owns what is the same for every protocol: the Dispatch sources, unsent bytes, the write
/// timeout, and the half-close and linger before the descriptor is closed.
///
/// Confined to the server's loop queue (`@unchecked Sendable` only so Dispatch handlers can hold
/// it); handlers on other queues reach it solely through `ServerCore.respond`.
final class Connection: @unchecked Sendable {
    private enum Lifecycle {
        case open
        /// The last bytes are queued; once written, half-close and linger.
        case closingAfterWrite
        /// Write side shut, discarding input until the peer closes or the deadline passes.
        case lingering(until: UInt64)
        case closed
    }

    let id: UInt64
    let fd: Int32
    let remoteAddress: String
    /// False for connections answered 503 over capacity: they are not in the open count.
    let counted: Bool
    private let core: ServerCore

    private var session: ConnectionSession
    private var sessionClosed = false
    private var outbound = OutboundQueue()
    private var lifecycle = Lifecycle.open

    private var readSource: DispatchSourceRead?
    private var readSuspended = false
    private var writeSource: DispatchSourceWrite?
    private var writeSuspended = false
    private var liveSources = 0

    private var writeBlockedSince: UInt64?
    private var lingerBytes = 0

    init(id: UInt64, fd: Int32, remoteAddress: String, core: ServerCore, counted: Bool) {
        self.id = id
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.core = core
        self.counted = counted
        session = HTTP1Session(environment: core.sessionEnvironment(remoteAddress: remoteAddress), now: MonotonicClock.now())
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
        sessionClosed = true
        lifecycle = .closingAfterWrite
        let response = RequestRejection.response(status: 503, reason: "too many connections",
                                                 configuration: core.configuration)
        let encoded = ResponseEncoder.encode(response, requestMethod: nil, close: true,
                                             date: core.httpDate(), serverName: core.configuration.serverName)
        outbound.append(encoded.head)
        outbound.append(response.body)
        _ = flush()
    }

    private var context: ConnectionContext {
        ConnectionContext(now: MonotonicClock.now(), pendingOutput: outbound.pendingBytes, isDraining: core.isDraining)
    }

    // MARK: events

    /// Runs `first` through the session and carries out its actions; when that leaves nothing
    /// unwritten, the session hears `.outputFlushed` next.
    private func process(_ first: ConnectionEvent) {
        var next: ConnectionEvent? = first
        while let event = next {
            next = nil
            guard case .open = lifecycle else { return }
            var actions: [ConnectionAction] = []
            session.handle(event, context: context, actions: &actions)
            let wrote = perform(actions)
            switch lifecycle {
            case .open where wrote:
                if flush() { next = .outputFlushed }
            case .closingAfterWrite:
                _ = flush()
            default:
                break
            }
        }
        updateReadInterest()
    }

    /// Carries out a session's actions; true if any queued bytes.
    private func perform(_ actions: [ConnectionAction]) -> Bool {
        var wrote = false
        for action in actions {
            switch action {
            case .write(let bytes):
                outbound.append(bytes)
                wrote = true
            case .dispatch(let request, let requestID):
                let respond: @Sendable (Response) -> Void = { [core, id] response in
                    core.respond(connectionID: id, requestID: requestID, response: response)
                }
                let handler = core.handler
                core.handlerQueue.async { handler(request, respond) }
            case .completed(let summary):
                core.events.requestCompleted?(summary)
            case .streamsOpenChanged(let delta):
                core.events.http2StreamsChanged?(delta)
            case .goawaySent(let reason):
                core.events.http2GoawaySent?(reason)
            case .closeAfterWrite:
                if case .open = lifecycle { lifecycle = .closingAfterWrite }
            case .close:
                close()
            case .switchToHTTP2(let start):
                switchToHTTP2(start)
            }
        }
        return wrote
    }

    private func switchToHTTP2(_ start: HTTP2Start) {
        let environment = core.sessionEnvironment(remoteAddress: remoteAddress)
        guard let http2 = HTTP2Session(environment: environment, now: MonotonicClock.now()) else {
            core.logger.error("cannot create an HTTP/2 session", metadata: ["remote": "\(remoteAddress)"])
            close()
            return
        }
        session = http2
        var actions: [ConnectionAction] = []
        let received: [UInt8]
        switch start {
        case .priorKnowledge(let bytes):
            received = bytes
            http2.begin(context: context, actions: &actions)
        case .upgrade(let request, let settings, let bytes, let startedAt):
            received = bytes
            http2.beginUpgrade(request: request, settings: settings, startedAt: startedAt, context: context,
                               actions: &actions)
        }
        _ = perform(actions)
        guard case .open = lifecycle else { return }
        if !received.isEmpty {
            received.withUnsafeBytes { process(.received($0)) }
        } else if flush() {
            process(.outputFlushed)
        }
    }

    // MARK: reading

    private func readAvailable() {
        for _ in 0..<16 {
            if case .closed = lifecycle { return }
            guard let n = Socket.receive(fd, into: core.readBuffer) else { break }
            if n <= 0 {
                // End of stream or a socket error: the client is gone (or, while lingering, done
                // reading our reply).
                close()
                return
            }
            switch lifecycle {
            case .lingering:
                lingerBytes += n
                if lingerBytes > 16 * 1024 * 1024 { close() }
                continue
            case .open:
                process(.received(UnsafeRawBufferPointer(rebasing: core.readBuffer[0..<n])))
                if case .open = lifecycle, !session.acceptsInput(context: context) { break }
            default:
                continue  // closing: input no longer matters
            }
        }
        updateReadInterest()
    }

    /// Pauses reading while the session wants no more input; resumes otherwise. Reading stays on in
    /// every other state so a client that disconnects is noticed at once.
    private func updateReadInterest() {
        guard let source = readSource else { return }
        var shouldPause = false
        if case .open = lifecycle { shouldPause = !session.acceptsInput(context: context) }
        if shouldPause, !readSuspended {
            readSuspended = true
            source.suspend()
        } else if !shouldPause, readSuspended {
            readSuspended = false
            source.resume()
        }
    }

    // MARK: writing

    /// A handler's response, on the loop queue.
    func deliver(requestID: UInt64, response: Response) {
        process(.responded(id: requestID, response))
    }

    /// Writes what the socket takes; true once nothing is left unwritten.
    private func flush() -> Bool {
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
            return false
        }
        if done {
            writeBlockedSince = nil
            setWriteInterest(false)
            if case .closingAfterWrite = lifecycle { startLingering() }
            return true
        }
        if progressed || writeBlockedSince == nil { writeBlockedSince = MonotonicClock.now() }
        setWriteInterest(true)
        return false
    }

    private func writable() {
        if flush(), case .open = lifecycle { process(.outputFlushed) }
        core.noteDeadline(nextDeadline())
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
                source.setEventHandler { [self] in writable() }
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

    /// Tells the session once that its connection is over, so requests still waiting are dropped.
    private func closeSession() {
        guard !sessionClosed else { return }
        sessionClosed = true
        var actions: [ConnectionAction] = []
        session.handle(.closed, context: context, actions: &actions)
        for action in actions {
            switch action {
            case .completed(let summary): core.events.requestCompleted?(summary)
            case .streamsOpenChanged(let delta): core.events.http2StreamsChanged?(delta)
            case .goawaySent(let reason): core.events.http2GoawaySent?(reason)
            default: break
            }
        }
    }

    /// Half-closes after the last response and discards input for a while, so data the client
    /// was still sending does not turn into a reset that destroys the response in flight.
    private func startLingering() {
        lifecycle = .lingering(until: MonotonicClock.now() + core.timeouts.linger.nanoseconds)
        closeSession()
        shutdown(fd, Int32(SHUT_WR))
        updateReadInterest()
    }

    /// Closes for good: cancels the sources (the descriptor is closed once both have finished),
    /// marks the connection closed for handlers, and leaves the server's table.
    func close() {
        if case .closed = lifecycle { return }
        lifecycle = .closed
        closeSession()
        outbound.removeAll()
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

    /// Shutdown began: an idle connection closes now; a busy one stops taking new requests and
    /// closes after its last response. Bytes already in the socket are read first: they are a
    /// request the client began before shutdown (on a connection accepted moments ago, Dispatch may
    /// not have reported them yet), and judging the connection idle would reset it unanswered.
    func beginDrain() {
        if case .open = lifecycle, !readSuspended { readAvailable() }
        process(.drain)
    }

    // MARK: timeouts

    /// The earliest moment a timeout could fire for this connection, if any applies.
    func nextDeadline() -> UInt64? {
        switch lifecycle {
        case .closed:
            return nil
        case .lingering(let until):
            return until
        case .closingAfterWrite:
            return writeBlockedSince.map { $0 + core.timeouts.write.nanoseconds }
        case .open:
            var deadline = session.nextDeadline()
            if let since = writeBlockedSince { deadline = min(deadline ?? .max, since + core.timeouts.write.nanoseconds) }
            return deadline
        }
    }

    func checkDeadlines(now: UInt64) {
        if case .lingering(let until) = lifecycle, now >= until {
            close()
            return
        }
        if let since = writeBlockedSince, now >= since + core.timeouts.write.nanoseconds {
            core.logger.debug("write timeout", metadata: ["remote": "\(remoteAddress)"])
            close()
            return
        }
        if case .open = lifecycle { process(.timer) }
    }
}
