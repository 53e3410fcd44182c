/// Size limits that bound what one client can make the server hold in memory.
public struct HTTPLimits: Sendable {
    /// Longest request line (method, target, version) before `414 URI Too Long`.
    public var maxRequestLineBytes = 8 * 1024
    /// Most header fields in one request (trailers count separately) before `431`.
    public var maxHeaderCount = 100
    /// Largest header block, request line excluded, before `431`; also bounds chunked trailers.
    public var maxHeaderBytes = 16 * 1024
    /// Largest request body; a larger declared `Content-Length`, or chunks adding up past it, get
    /// `413` at once, without reading the rest.
    public var maxBodyBytes = 64 * 1024 * 1024
    /// Longest chunk-size line, extensions included; longer ones are extension abuse (400).
    public var maxChunkLineBytes = 1024
    /// Open connections served at once. Connections beyond it are accepted, answered
    /// `503 Service Unavailable` with `Connection: close` and closed, so clients learn why instead of
    /// hanging in the listen backlog.
    public var maxConnections = 4096
    /// Requests read ahead of their responses on one connection (pipelining depth); reading pauses
    /// past it until responses are written.
    public var maxPipelinedRequests = 16

    public init() {}
}

/// Timeouts. Each one ends a connection that would otherwise hold a slot forever.
public struct HTTPTimeouts: Sendable {
    /// From the first byte of a request until its header block is complete; then `408` and close
    /// (slow-header clients).
    public var headerRead: Duration = .seconds(10)
    /// Longest gap between body bytes; then `408` and close.
    public var bodyIdle: Duration = .seconds(30)
    /// How long a connection may sit with no request in progress (including a new connection that
    /// has sent nothing); then it is closed without a response.
    public var keepAliveIdle: Duration = .seconds(15)
    /// Longest time without write progress while a response is pending (clients that stop
    /// reading); then the connection is closed.
    public var write: Duration = .seconds(30)
    /// After the last response on a closing connection the server half-closes and discards input for
    /// up to this long, so a client still sending does not get a reset that destroys the response.
    public var linger: Duration = .seconds(2)

    public init() {}
}

extension Duration {
    var nanoseconds: UInt64 {
        let (s, atto) = components
        if s < 0 { return 0 }
        return UInt64(s) &* 1_000_000_000 &+ UInt64(atto / 1_000_000_000)
    }
}
