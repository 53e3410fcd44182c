import Foundation

/// Wall time per named stage, in order: each `finish` charges the time since the previous one.
struct StageTimings {
    private var last = DispatchTime.now().uptimeNanoseconds
    private(set) var milliseconds: [(String, Double)] = []

    mutating func finish(_ stage: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        milliseconds.append((stage, Double(now - last) / 1e6))
        last = now
    }
}
