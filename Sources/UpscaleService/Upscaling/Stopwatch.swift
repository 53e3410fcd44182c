import Dispatch

/// Wall time in named laps: each `lap` charges the time since the previous one (or the start). The one
/// clock of the service and the command line: a job's queue wait, decode, inference and encode, and a
/// request's total.
public struct Stopwatch: Sendable {
    public struct Lap: Sendable, Equatable {
        public let name: String
        public let milliseconds: Double
    }

    public private(set) var laps: [Lap] = []
    private let start: UInt64
    private var last: UInt64

    /// Starts now, or at an earlier uptime (`Stopwatch.now()` taken then).
    public init(startingAt start: UInt64 = Stopwatch.now()) {
        self.start = start
        last = start
    }

    /// Uptime in nanoseconds.
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    public mutating func lap(_ name: String) {
        let now = Self.now()
        laps.append(Lap(name: name, milliseconds: Double(now &- last) / 1e6))
        last = now
    }

    /// Milliseconds since the start.
    public var elapsedMilliseconds: Double { Double(Self.now() &- start) / 1e6 }

    /// The time of the lap called `name`, or 0.
    public func milliseconds(_ name: String) -> Double { laps.first { $0.name == name }?.milliseconds ?? 0 }
}
