/// Cleartext HTTP/2 (h2c) on the server's port: whether it is served, and the limits that bound what
/// one HTTP/2 connection may make the server hold or do. The request limits of `HTTPLimits` (body
/// size, header block size and count) apply to every stream as they do to HTTP/1.1 requests.
public struct HTTP2Configuration: Sendable {
    /// Serve a connection that starts with the HTTP/2 client preface as HTTP/2, and answer
    /// `Upgrade: h2c` on requests without a body. Off, both are plain HTTP/1.1 (the preface gets 505).
    public var enabled = true
    /// SETTINGS_MAX_CONCURRENT_STREAMS: streams a client may have open at once.
    public var maxConcurrentStreams = 100
    /// Streams of one connection handed to the handler and not yet answered. Further complete
    /// requests wait in the connection, in order, so that one connection cannot fill the service's
    /// queue alone.
    public var maxDispatchedStreams = 8
    /// SETTINGS_INITIAL_WINDOW_SIZE: how much of a request body a client may send before the server
    /// asks for more.
    public var initialWindowSize = 256 * 1024
    /// The connection's receive window, shared by all its streams.
    public var connectionWindowSize = 1 << 20
    /// Request body bytes one connection may hold before its flow-control windows stop reopening
    /// (the oldest unfinished upload is always let through, so some stream can always finish).
    /// Nil: the largest body allowed (`HTTPLimits.maxBodyBytes`).
    public var maxBufferedBodyBytes: Int?
    /// A connection with no open stream is sent GOAWAY and closed after this long.
    public var idleTimeout: Duration = .seconds(60)
    /// CONTINUATION frames allowed after one HEADERS frame; more is a flood (GOAWAY ENHANCE_YOUR_CALM).
    public var maxContinuationFrames = 4
    /// A header block that decodes to more than this many times `HTTPLimits.maxHeaderBytes` is a
    /// decompression bomb (GOAWAY ENHANCE_YOUR_CALM) rather than a large request (431).
    public var headerBombFactor = 4
    /// RST_STREAM frames a client may send (CVE-2023-44487, rapid reset).
    public var clientResets = HTTP2RateLimit(burst: 200, perSecond: 100)
    /// RST_STREAM frames a client may make the server send ("made you reset").
    public var serverResets = HTTP2RateLimit(burst: 200, perSecond: 100)
    /// SETTINGS frames a client may send.
    public var settingsFrames = HTTP2RateLimit(burst: 16, perSecond: 2)
    /// PING frames a client may send.
    public var pingFrames = HTTP2RateLimit(burst: 32, perSecond: 5)

    public init() {}
}

/// A token bucket's shape: `burst` at once, refilled at `perSecond`. Past it the connection gets
/// GOAWAY ENHANCE_YOUR_CALM and closes.
public struct HTTP2RateLimit: Sendable, Equatable {
    public var burst: Int
    public var perSecond: Double

    public init(burst: Int, perSecond: Double) {
        self.burst = burst
        self.perSecond = perSecond
    }
}

/// Why the server sent GOAWAY, as the `reason` label of `smsr_http2_goaways_total`.
public enum HTTP2GoawayReason: String, Sendable, CaseIterable {
    /// Graceful shutdown: GOAWAY with the last stream id, in-flight streams finish.
    case shutdown
    /// No stream for the idle timeout.
    case idle
    /// A stream's header block or body stalled past its timeout.
    case timeout
    /// The client broke the protocol (PROTOCOL_ERROR, as detected by nghttp2).
    case protocolError = "protocol_error"
    case flowControlError = "flow_control_error"
    case compressionError = "compression_error"
    /// Too many client RST_STREAM frames (rapid reset).
    case rapidReset = "rapid_reset"
    /// Too many resets provoked from the server.
    case madeYouReset = "made_you_reset"
    case continuationFlood = "continuation_flood"
    case settingsFlood = "settings_flood"
    case pingFlood = "ping_flood"
    /// A header block decompressing far past the header limit.
    case headerBomb = "header_bomb"
    /// nghttp2's own flood checks (queued control-frame answers the client does not read).
    case flood
    case other
}
