/// A token bucket over the monotonic clock: how often a client may do something cheap for it and
/// costly for the server (reset streams, send SETTINGS or PING).
struct RateBudget {
    let limit: HTTP2RateLimit
    private var tokens: Double
    private var updatedAt: UInt64

    init(_ limit: HTTP2RateLimit, now: UInt64) {
        self.limit = limit
        tokens = Double(limit.burst)
        updatedAt = now
    }

    /// Spends one token; false when none is left.
    mutating func take(now: UInt64) -> Bool {
        if now > updatedAt {
            tokens = min(Double(limit.burst), tokens + Double(now - updatedAt) / 1e9 * limit.perSecond)
            updatedAt = now
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
