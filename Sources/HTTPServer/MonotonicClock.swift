import Dispatch

/// Nanoseconds on the monotonic clock Dispatch timers use, so deadlines and timers agree.
enum MonotonicClock {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
