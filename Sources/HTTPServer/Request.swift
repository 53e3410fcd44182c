/// A complete request as a handler receives it: head, whole body, and a live view of the
/// connection it came on (over HTTP/2, of its stream). It has the same shape whichever protocol
/// carried it; only `head.version` says 2.0 for HTTP/2.
public struct Request: Sendable {
    public var head: RequestHead
    public var body: [UInt8]
    /// `address:port` of the peer (`[v6]:port` for IPv6).
    public var remoteAddress: String
    public var connection: ConnectionState

    public init(head: RequestHead, body: [UInt8] = [], remoteAddress: String = "", connection: ConnectionState = ConnectionState()) {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
        self.connection = connection
    }

    public var method: HTTPMethod { head.method }
    public var path: String { head.path }
    public var headers: HTTPHeaders { head.headers }
}

/// Whether the connection a request arrived on is still there. It turns closed when the client
/// goes away (EOF or a socket error), when the server closes it (timeouts, shutdown deadline), or
/// once its last response is written; over HTTP/2 also when the client resets the request's stream.
/// Queued work for a closed connection can be dropped, since its response would be discarded.
public final class ConnectionState: Sendable {
    private struct Storage {
        var isClosed = false
        var observers: [@Sendable () -> Void] = []
    }

    private let storage = Locked(Storage())

    public init() {}

    public var isClosed: Bool { storage.withLock { $0.isClosed } }

    /// Runs `body` once when the connection closes (at once, on the caller's thread, if it already
    /// has). Observers run on the server's queue: keep them short.
    public func onClose(_ body: @escaping @Sendable () -> Void) {
        let runNow = storage.withLock { s -> Bool in
            if s.isClosed { return true }
            s.observers.append(body)
            return false
        }
        if runNow { body() }
    }

    func markClosed() {
        let observers = storage.withLock { s -> [@Sendable () -> Void] in
            guard !s.isClosed else { return [] }
            s.isClosed = true
            defer { s.observers = [] }
            return s.observers
        }
        for o in observers { o() }
    }
}
