import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's event loop: the listener, the table of connections and one timer, all confined to
/// a single serial queue. Dispatch watches the sockets (epoll on Linux), so an idle connection costs
/// a table entry and a registered descriptor, never a thread.
///
/// `@unchecked Sendable`: mutable state is touched only on `queue`; the few values other threads
/// read (counts, bound port) sit behind `Locked`.
final class ServerCore: @unchecked Sendable {
    let configuration: ServerConfiguration
    let events: ServerEvents
    let logger: Logger
    let handler: Server.Handler
    let admission: Server.Admission?
    let queue: DispatchQueue
    let handlerQueue = DispatchQueue.global()
    private let queueKey = DispatchSpecificKey<Bool>()

    struct Published {
        var openConnections = 0
        var port: Int?
        var address: String?
        var started = false
        var draining = false
    }
    let published = Locked(Published())

    // Confined to `queue`.
    private var listener: Listener?
    private var connections: [UInt64: Connection] = [:]
    private var nextConnectionID: UInt64 = 1
    private var countedConnections = 0
    private var rejectingConnections = 0
    private var dateCache = HTTPDate()
    private let timer: DispatchSourceTimer
    private var timerDeadline = UInt64.max
    private var acceptResumeAt: UInt64?
    private(set) var isDraining = false
    private var drainDeadline: UInt64?
    private var finished = false
    private var shutdownCompletions: [@Sendable () -> Void] = []
    /// One read buffer shared by all connections; only the loop queue reads into it.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    /// Connections past `maxConnections` still being answered 503; beyond this many they are
    /// closed without a word, so a connection flood cannot exhaust descriptors through us.
    private let maxRejecting = 64

    init(configuration: ServerConfiguration, events: ServerEvents, logger: Logger,
         admission: Server.Admission?, handler: @escaping Server.Handler) {
        self.configuration = configuration
        self.events = events
        self.logger = logger
        self.admission = admission
        self.handler = handler
        queue = DispatchQueue(label: "smsr.http.io")
        timer = DispatchSource.makeTimerSource(queue: queue)
        queue.setSpecific(key: queueKey, value: true)
        timer.setEventHandler { [weak self] in self?.timerFired() }
        timer.schedule(deadline: .distantFuture)
        timer.activate()
    }

    deinit {
        readBuffer.deallocate()
    }

    /// Runs `body` on the loop queue and waits for it, or runs it inline when already there.
    func onLoop<R>(_ body: () throws -> R) rethrows -> R {
        if DispatchQueue.getSpecific(key: queueKey) == true { return try body() }
        return try queue.sync(execute: body)
    }

    var limits: HTTPLimits { configuration.limits }
    var timeouts: HTTPTimeouts { configuration.timeouts }

    func httpDate() -> String { dateCache.now() }

    // MARK: accepting

    func startListening(fd: Int32) {
        listener = Listener(fd: fd, queue: queue) { [weak self] in self?.acceptPending() }
    }

    /// Accepts up to 64 pending connections, or every one (`all`) at shutdown.
    private func acceptPending(all: Bool = false) {
        guard let listener, !isDraining else { return }
        var accepted = 0
        while all || accepted < 64 {
            accepted += 1
            switch Socket.acceptOne(listener.fd) {
            case .none:
                return
            case .failure(let code):
                if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
                    // Out of descriptors: back off instead of spinning on a readable listener.
                    logger.warning("accept failed, pausing 100 ms", metadata: ["errno": "\(code)"])
                    listener.pause()
                    let at = MonotonicClock.now() + 100_000_000
                    acceptResumeAt = at
                    schedule(at)
                } else {
                    logger.warning("accept failed", metadata: ["errno": "\(code)"])
                }
                return
            case .connection(let fd, let remote):
                admit(fd: fd, remote: remote)
            }
        }
    }

    private func admit(fd: Int32, remote: String) {
        let overCapacity = countedConnections >= limits.maxConnections
        if overCapacity, rejectingConnections >= maxRejecting {
            close(fd)
            return
        }
        let id = nextConnectionID
        nextConnectionID += 1
        let connection = Connection(id: id, fd: fd, remoteAddress: remote, core: self, counted: !overCapacity)
        connections[id] = connection
        if overCapacity {
            rejectingConnections += 1
            events.connectionRejected?(remote)
            connection.refuseOverCapacity()
        } else {
            countedConnections += 1
            let count = countedConnections
            published.withLock { $0.openConnections = count }
            events.connectionOpened?(remote)
            connection.start()
        }
        noteDeadline(connection.nextDeadline())
    }

    /// Called by a connection once it is closed for good.
    func connectionClosed(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        if connection.counted {
            countedConnections -= 1
            let count = countedConnections
            published.withLock { $0.openConnections = count }
            events.connectionClosed?(connection.remoteAddress)
        } else {
            rejectingConnections -= 1
        }
        if isDraining, connections.isEmpty { finishShutdown() }
    }

    // MARK: responses from handlers

    /// Hands a handler's response to its connection, from any thread. Responses for connections
    /// that have closed meanwhile are dropped.
    func respond(connectionID: UInt64, requestID: UInt64, response: Response) {
        queue.async { [self] in
            guard let connection = connections[connectionID] else { return }
            connection.deliver(requestID: requestID, response: response)
            noteDeadline(connection.nextDeadline())
        }
    }

    /// What a connection's protocol session is given: the configuration, the admission check, and the
    /// loop's `Date` cache (sessions run on the loop queue only).
    func sessionEnvironment(remoteAddress: String) -> SessionEnvironment {
        SessionEnvironment(configuration: configuration, admission: admission, remoteAddress: remoteAddress,
                           httpDate: { [self] in httpDate() }, logger: logger)
    }

    // MARK: timer

    /// Makes sure the timer fires by `deadline`. Deadlines are kept per connection and found by a
    /// scan when the timer fires; the scan is cheap next to the syscalls of a real wakeup.
    func noteDeadline(_ deadline: UInt64?) {
        guard let deadline else { return }
        schedule(deadline)
    }

    private func schedule(_ deadline: UInt64) {
        guard deadline < timerDeadline, !finished else { return }
        timerDeadline = deadline
        timer.schedule(deadline: DispatchTime(uptimeNanoseconds: deadline), leeway: .milliseconds(5))
    }

    private func timerFired() {
        timerDeadline = .max
        let now = MonotonicClock.now()
        if let at = acceptResumeAt {
            if now >= at {
                acceptResumeAt = nil
                listener?.resume()
            } else {
                schedule(at)
            }
        }
        if let deadline = drainDeadline, now >= deadline {
            drainDeadline = nil
            logger.info("drain deadline passed, closing remaining connections", metadata: ["count": "\(connections.count)"])
            for connection in Array(connections.values) { connection.close() }
            return
        }
        for connection in Array(connections.values) {
            connection.checkDeadlines(now: now)
        }
        if let deadline = drainDeadline { schedule(deadline) }
        for connection in connections.values {
            noteDeadline(connection.nextDeadline())
        }
    }

    // MARK: shutdown

    /// Stops accepting at once (the listening socket is shut before this returns), closes idle
    /// connections, lets the others finish until `drainTimeout`, then closes what is left and calls
    /// `completion`.
    func beginShutdown(drainTimeout: Duration, completion: @escaping @Sendable () -> Void) {
        onLoop {
            shutdownCompletions.append(completion)
            if finished {
                finishShutdown()
                return
            }
            let deadline = MonotonicClock.now() + drainTimeout.nanoseconds
            drainDeadline = min(drainDeadline ?? .max, deadline)
            schedule(deadline)
            guard !isDraining else { return }
            // Connections the kernel completed before now are the clients' as much as the ones
            // already taken: accept them, so that a request already sent on one is read and answered
            // instead of reset when the listening socket closes.
            acceptPending(all: true)
            isDraining = true
            published.withLock { $0.draining = true }
            listener?.close()
            listener = nil
            acceptResumeAt = nil
            logger.info("shutting down", metadata: ["connections": "\(connections.count)"])
            for connection in Array(connections.values) {
                connection.beginDrain()
            }
            if connections.isEmpty { finishShutdown() }
        }
    }

    private func finishShutdown() {
        if !finished {
            finished = true
            drainDeadline = nil
            timer.cancel()
            logger.info("shutdown complete")
        }
        let completions = shutdownCompletions
        shutdownCompletions = []
        for completion in completions {
            handlerQueue.async(execute: completion)
        }
    }
}
