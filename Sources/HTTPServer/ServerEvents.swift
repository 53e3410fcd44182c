/// Callbacks for metrics and access logs, so the service can feed any metrics system without this
/// module depending on one. They run on the server's I/O queue: keep them short and non-blocking.
public struct ServerEvents: Sendable {
    /// A connection was accepted and counted (argument: remote address).
    public var connectionOpened: (@Sendable (String) -> Void)?
    /// A counted connection was closed (argument: remote address).
    public var connectionClosed: (@Sendable (String) -> Void)?
    /// A connection past `maxConnections` was answered 503 and closed.
    public var connectionRejected: (@Sendable (String) -> Void)?
    /// A response was handed to the socket (including the server's own 4xx rejections).
    public var requestCompleted: (@Sendable (RequestSummary) -> Void)?
    /// HTTP/2 streams were opened (positive) or closed (negative).
    public var http2StreamsChanged: (@Sendable (Int) -> Void)?
    /// An HTTP/2 GOAWAY was sent; the argument is one of `HTTP2GoawayReason`'s raw values.
    public var http2GoawaySent: (@Sendable (String) -> Void)?

    public init(
        connectionOpened: (@Sendable (String) -> Void)? = nil,
        connectionClosed: (@Sendable (String) -> Void)? = nil,
        connectionRejected: (@Sendable (String) -> Void)? = nil,
        requestCompleted: (@Sendable (RequestSummary) -> Void)? = nil,
        http2StreamsChanged: (@Sendable (Int) -> Void)? = nil,
        http2GoawaySent: (@Sendable (String) -> Void)? = nil
    ) {
        self.connectionOpened = connectionOpened
        self.connectionClosed = connectionClosed
        self.connectionRejected = connectionRejected
        self.requestCompleted = requestCompleted
        self.http2StreamsChanged = http2StreamsChanged
        self.http2GoawaySent = http2GoawaySent
    }
}

/// One finished request, for access logs and request metrics.
public struct RequestSummary: Sendable {
    /// The method as sent; empty when the request line never arrived.
    public var method: String
    public var path: String
    public var status: Int
    public var requestBodyBytes: Int
    public var responseBodyBytes: Int
    /// From the end of the request head (or the first byte, for rejections) to the response being
    /// queued for writing.
    public var duration: Duration
    public var remoteAddress: String
    public var httpProtocol: HTTPProtocol

    public init(method: String, path: String, status: Int, requestBodyBytes: Int, responseBodyBytes: Int,
                duration: Duration, remoteAddress: String, httpProtocol: HTTPProtocol = .http1_1) {
        self.method = method
        self.path = path
        self.status = status
        self.requestBodyBytes = requestBodyBytes
        self.responseBodyBytes = responseBodyBytes
        self.duration = duration
        self.remoteAddress = remoteAddress
        self.httpProtocol = httpProtocol
    }
}
