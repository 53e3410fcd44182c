import Foundation

/// Attributes elapsed wall time to stages: each `finish` charges the time since the previous one.
struct StageClock {
    private var last = DispatchTime.now().uptimeNanoseconds
    private(set) var milliseconds: [InferenceStage: Double] = [:]

    mutating func finish(_ stage: InferenceStage) {
        let now = DispatchTime.now().uptimeNanoseconds
        milliseconds[stage, default: 0] += Double(now - last) / 1e6
        last = now
    }
}
