import SMSR

/// When a running job stops before it is done: its client has gone (nobody to answer), or its compute
/// deadline has passed. The engine asks between tiles.
public struct ComputeLimit: Sendable {
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        case clientGone
        case deadline(seconds: Double)

        public var description: String {
            switch self {
            case .clientGone: "the client closed the connection"
            case .deadline(let seconds): "the job ran past its compute limit of \(seconds.formatted(decimals: 3)) s"
            }
        }

        /// The label of `smsr_jobs_cancelled_total`.
        public var label: String {
            switch self {
            case .clientGone: "client_gone"
            case .deadline: "deadline"
            }
        }
    }

    /// Every `Reason.label`.
    public static let reasonLabels = ["client_gone", "deadline"]

    /// Uptime nanoseconds after which the job stops; `.max` for never.
    let deadline: UInt64
    let seconds: Double
    let clientGone: @Sendable () -> Bool
    /// Told before each check (for instrumentation; may block, which holds the job there).
    let observe: (@Sendable (_ next: Int, _ count: Int) -> Void)?
    /// Told when a check stops the job, before the next tile.
    let stopped: (@Sendable (_ reason: Reason, _ next: Int, _ count: Int) -> Void)?

    /// A limit of `seconds` (nil: none) from `start` (uptime nanoseconds).
    public init(seconds: Double?, from start: UInt64, clientGone: @escaping @Sendable () -> Bool = { false },
                observe: (@Sendable (_ next: Int, _ count: Int) -> Void)? = nil,
                stopped: (@Sendable (_ reason: Reason, _ next: Int, _ count: Int) -> Void)? = nil) {
        if let seconds {
            let nanoseconds = min(Double(UInt64.max / 2), max(0, seconds * 1e9))
            deadline = start &+ UInt64(nanoseconds)
        } else {
            deadline = .max
        }
        self.seconds = seconds ?? .infinity
        self.clientGone = clientGone
        self.observe = observe
        self.stopped = stopped
    }

    /// Never stops.
    public static let none = ComputeLimit(seconds: nil, from: 0)

    /// Why the job should stop now, if it should: a gone client first (then nothing is owed to anyone).
    public func reason(now: UInt64 = Stopwatch.now()) -> Reason? {
        if clientGone() { return .clientGone }
        if now >= deadline { return .deadline(seconds: seconds) }
        return nil
    }

    var checkpoint: TileCheckpoint {
        TileCheckpoint { [self] next, count in
            observe?(next, count)
            guard let reason = reason() else { return false }
            stopped?(reason, next, count)
            return true
        }
    }
}
