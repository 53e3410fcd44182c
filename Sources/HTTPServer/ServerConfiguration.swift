/// Where to listen and how strict to be. Every field has a default fit for production.
public struct ServerConfiguration: Sendable {
    /// A numeric IPv4 or IPv6 address, or a host name (first address wins). `0.0.0.0` or `::`
    /// listen everywhere.
    public var host = "127.0.0.1"
    /// 0 picks a free port; read it back from `Server.localPort`.
    public var port = 8080
    public var backlog: Int32 = 1024
    /// Sent as the `Server` header unless a response sets its own; empty sends none.
    public var serverName = "smsr-serve"
    public var limits = HTTPLimits()
    public var timeouts = HTTPTimeouts()
    /// Cleartext HTTP/2 on the same port, and its limits.
    public var http2 = HTTP2Configuration()
    /// Default time in-flight requests get to finish once shutdown starts.
    public var drainTimeout: Duration = .seconds(30)
    /// Builds the response for a request the server refuses on its own (400, 408, 413, 414, 431,
    /// 501, 505, and 503 over `maxConnections`) from its status and a short reason, so a service
    /// can answer those in its own error format. The status is kept whatever the closure sets, and
    /// the connection is closed after it as before. Nil sends the reason as plain text.
    public var rejectionResponse: (@Sendable (_ status: Int, _ reason: String) -> Response)?

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}
