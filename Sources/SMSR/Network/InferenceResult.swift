/// What one run of the network produced and what it cost.
public struct InferenceResult: Sendable {
    /// Planar RGB at the output size, not clamped.
    public let planarRGB: [Float]
    public let height: Int
    public let width: Int
    public let work: WorkCount
    /// The multiply-adds the kernels did: `work.executed` (the direct sums' count, as the paper counts) less what
    /// Winograd's forms of the dense 3x3 convolutions leave out (`SMSRNetwork.winogradSaving`).
    public let multiplyAdds: Int
    public let masks: [SpatialMask]
    /// Milliseconds spent in each stage.
    public let stages: [InferenceStage: Double]
    public let trace: InferenceTrace?

    /// The fraction of pixels each block's mask selects.
    public var maskDensity: [Double] { masks.map(\.density) }
}

/// The parts of a run that are timed separately.
public enum InferenceStage: String, Sendable, CaseIterable, Codable {
    case head, mask, smb, collect, tail
}
