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
    /// Keep intermediate tensors (mask logits, block outputs, bicubic skip) for inspection.
    public var collectTrace: Bool

    public init(masks: Masks = .predicted, kernels: any ConvolutionKernels = ReferenceKernels(), collectTrace: Bool = false) {
        self.masks = masks
        self.kernels = kernels
        self.collectTrace = collectTrace
    }
}

/// Intermediate tensors of one run, for tests and debugging.
public struct InferenceTrace: Sendable {
    public var maskLogits: [FeatureMap] = []
    public var blockOutputs: [FeatureMap] = []
    public var bicubicSkip: [Float] = []
}
