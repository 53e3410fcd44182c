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
    /// Default time in-flight requests get to finish once shutdown starts.
    public var drainTimeout: Duration = .seconds(30)

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}
