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
    public var kernels: any ConvolutionKernels
    /// Threads one run splits its operations across (the kernels' own threading; reference kernels use one).
    public var threads: Int
    /// How large images are cut into overlapping tiles to bound memory.
    public var tiling: Tiling
    /// Keep intermediate tensors (mask logits, block outputs, bicubic skip) for inspection.
    public var collectTrace: Bool

    public init(masks: Masks = .predicted, kernels: any ConvolutionKernels = KernelChoice.automatic,
                threads: Int = CPUAllowance.cores, tiling: Tiling = .configured,
                collectTrace: Bool = false) {
        self.masks = masks
        self.kernels = kernels
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
