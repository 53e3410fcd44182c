import Foundation

/// How one run of the network is carried out.
public struct InferenceOptions: Sendable {
    public enum Masks: Sendable {
        /// The masks the mask generators predict: the SMSR network.
        case predicted
        /// Every mask 1 and no mask generators: the plain dense network, for comparison.
        case allOnes
    }

    public var masks: Masks
    /// What runs the network's units (the caller's choice; `Backend.best` by default).
    public var backend: Backend
    /// Threads one run splits its operations across (the backend's own threading; the reference kernels use one).
    public var threads: Int
    /// How large images are cut into overlapping tiles to bound memory.
    public var tiling: Tiling
    /// Keep intermediate tensors (mask logits, block outputs, bicubic skip) for inspection.
    public var collectTrace: Bool

    public init(masks: Masks = .predicted, backend: Backend = .best,
                threads: Int = CPUAllowance.cores, tiling: Tiling = .configured,
                collectTrace: Bool = false) {
        self.masks = masks
        self.backend = backend
        self.threads = max(1, threads)
        self.tiling = tiling
        self.collectTrace = collectTrace
    }
}

/// Intermediate tensors of one run, for tests and debugging.
public struct InferenceTrace: Sendable {
    public var maskLogits: [FeatureMap] = []
    public var blockOutputs: [FeatureMap] = []
    public var bicubicSkip: [Float] = []
}
