import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP/1.1 and cleartext HTTP/2 server on one port: give it a handler, start it, shut it down.
/// Handlers see one request model whichever protocol carried the request.
///
/// ```swift
/// let server = Server(configuration: .init(host: "0.0.0.0", port: 8080)) { request, respond in
///     respond(.text("hello \(request.path)\n"))
/// }
/// let port = try server.start()
/// // ...
/// await server.shutdown()            // stop accepting, finish in-flight requests, close
/// ```
public final class Server: Sendable {
    /// Handles one request. Call `respond` exactly once, from any queue, now or later; responses
    /// for a connection that has closed (see `Request.connection`) are discarded. The handler runs
    /// on a global concurrent queue, so it may block, though long work belongs on the caller's own
    /// workers.
    public typealias Handler = @Sendable (Request, _ respond: @escaping @Sendable (Response) -> Void) -> Void

    /// Looks at a request head before its body is read and before `100 Continue` is sent. Return
    /// nil to admit the request, or the response that refuses it (401, 413, 415, ...). Runs on the
    /// server's I/O queue: it must be quick and must not block.
    public typealias Admission = @Sendable (RequestHead) -> Response?

    private let core: ServerCore

    public init(
        configuration: ServerConfiguration = ServerConfiguration(),
        events: ServerEvents = ServerEvents(),
        logger: Logger = Logger(label: "smsr.http"),
        admission: Admission? = nil,
        handler: @escaping Handler
    ) {
        core = ServerCore(configuration: configuration, events: events, logger: logger,
                          admission: admission, handler: handler)
    }

    public var configuration: ServerConfiguration { core.configuration }

    /// Binds and starts accepting. Returns the bound port (the chosen one when configured with 0).
    @discardableResult
    public func start() throws(ServerError) -> Int {
        let refusal = core.published.withLock { p -> ServerError? in
            if p.draining { return .shutDown }
            if p.started { return .alreadyStarted }
            p.started = true
            return nil
        }
        if let refusal { throw refusal }
        // Writes to a vanished peer must fail with EPIPE, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        let configuration = core.configuration
        let bound: (fd: Int32, port: Int, address: String)
        do {
            bound = try Socket.makeListener(host: configuration.host, port: configuration.port,
                                            backlog: configuration.backlog)
        } catch {
            core.published.withLock { $0.started = false }
            throw error
        }
        core.published.withLock {
            $0.port = bound.port
            $0.address = bound.address
        }
        core.onLoop { core.startListening(fd: bound.fd) }
        core.logger.info("listening", metadata: ["address": "\(bound.address)"])
        return bound.port
    }

    /// The bound port, once started.
    public var localPort: Int? { core.published.withLock { $0.port } }

    /// The bound address as `host:port`, once started.
    public var localAddress: String? { core.published.withLock { $0.address } }

    /// Connections open right now (those answered 503 over capacity are not counted).
    public var openConnectionCount: Int { core.published.withLock { $0.openConnections } }

    /// True once shutdown has begun.
    public var isShuttingDown: Bool { core.published.withLock { $0.draining } }

    /// Graceful shutdown. Before this returns, the listening socket is closed (new connections are
    /// refused) and idle keep-alive connections are closed. Requests in flight may finish until
    /// `drainTimeout` (default: the configuration's); their responses carry `Connection: close`, and
    /// HTTP/2 connections are sent GOAWAY with the last stream id, so that only streams already begun
    /// are answered.
    /// Then any connection left is closed and `completion` runs on a global queue. Calling it again
    /// only adds a completion (and may shorten the deadline).
    public func shutdown(drainTimeout: Duration? = nil, completion: @escaping @Sendable () -> Void = {}) {
        core.beginShutdown(drainTimeout: drainTimeout ?? core.configuration.drainTimeout, completion: completion)
    }

    /// Graceful shutdown, returning once it is complete.
    public func shutdown(drainTimeout: Duration? = nil) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            shutdown(drainTimeout: drainTimeout) { continuation.resume() }
        }
    }
}
