/// The compute-heavy operations of the network. Each has a plain reference implementation
/// (`ReferenceKernels`) and may have fast twins; tests hold every twin against the reference.
///
/// Feature maps are channels-last. In the sparse operations the input's channels are ordered dense first,
/// then sparse (`denseInputs` of them dense), and sparse channels are zero wherever the mask is 0.
public protocol ConvolutionKernels: Sendable {
    /// A k x k convolution, stride 1, zero padding k/2, with the weights' bias if any, then ReLU if asked.
    func convolve(_ input: FeatureMap, _ weights: ConvWeights, relu: Bool) -> FeatureMap

    /// `convolve` into an existing map, whose storage fast kernels reuse when the shape fits.
    func convolve(_ input: FeatureMap, _ weights: ConvWeights, relu: Bool, into output: inout FeatureMap)

    /// One layer of a sparse mask block: a 3x3 convolution without bias, followed by ReLU.
    /// Output channels `0..<denseOutputs` are computed at every pixel from the dense inputs, plus the sparse
    /// inputs at masked pixels only; the remaining (sparse) outputs are computed only at masked pixels and
    /// are 0 elsewhere. In the 3x3 window, sparse inputs at unmasked neighbours and beyond the border read as 0.
    func sparseConvolve(_ input: FeatureMap, denseInputs: Int, _ weights: ConvWeights, denseOutputs: Int,
                        mask: SpatialMask) -> FeatureMap

    /// `sparseConvolve` into an existing map, so a block's layers can reuse two buffers instead of allocating
    /// (and page-faulting) a new map per layer. Every value is written, the sparse outputs at unmasked pixels
    /// as 0, so the output meets this protocol's input contract for the next layer.
    func sparseConvolve(_ input: FeatureMap, denseInputs: Int, _ weights: ConvWeights, denseOutputs: Int,
                        mask: SpatialMask, into output: inout FeatureMap)

    /// `accumulator += conv1x1(input)` without bias, where input channels from `denseInputs` on contribute
    /// only at masked pixels (a nil mask: every channel contributes everywhere).
    func accumulatePointwise(_ input: FeatureMap, denseInputs: Int, _ weights: ConvWeights, mask: SpatialMask?,
                             into accumulator: inout FeatureMap)

    /// A 3x3 transposed convolution with stride 2 (`layer`) into `output`, with `grouped` as scratch for kernels that
    /// compute it as an ordinary convolution on its output phases (their storage is kept when large enough). Elementwise
    /// steps run on `team`'s threads.
    func transposedConvolve(_ input: FeatureMap, _ layer: TransposedConvolution, team: ThreadTeam,
                            grouped: inout FeatureMap, into output: inout FeatureMap)

    /// A short name for reports ("reference", "avx512", ...).
    var name: String { get }

    /// Whether convolutions whose weights carry a Winograd form (`ConvWeights.withWinogradBlocks`) run in it.
    var runsWinogradForms: Bool { get }

    /// The same kernels splitting each operation across `threads` threads (where they can).
    func threaded(_ threads: Int) -> any ConvolutionKernels
}

extension ConvolutionKernels {
    public func convolve(_ input: FeatureMap, _ weights: ConvWeights, relu: Bool, into output: inout FeatureMap) {
        output = convolve(input, weights, relu: relu)
    }

    public func sparseConvolve(_ input: FeatureMap, denseInputs: Int, _ weights: ConvWeights, denseOutputs: Int,
                               mask: SpatialMask, into output: inout FeatureMap) {
        output = sparseConvolve(input, denseInputs: denseInputs, weights, denseOutputs: denseOutputs, mask: mask)
    }

    /// Through the kernels' ordinary convolution on the phase weights, then interleaving the phases.
    public func transposedConvolve(_ input: FeatureMap, _ layer: TransposedConvolution, team: ThreadTeam,
                            grouped: inout FeatureMap, into output: inout FeatureMap) {
        layer.convolvePhases(input, kernels: self, into: &grouped)
        layer.interleavePhases(grouped, height: input.height, width: input.width, team: team, into: &output)
    }

    public var name: String { String(describing: Self.self) }
    public var runsWinogradForms: Bool { false }
    public func threaded(_ threads: Int) -> any ConvolutionKernels { self }
}

extension ReferenceKernels {
    public var name: String { "reference" }

    /// The direct loop of `TransposedConvolution`, which reads straight from the definition; `grouped` is left alone.
    public func transposedConvolve(_ input: FeatureMap, _ layer: TransposedConvolution, team: ThreadTeam,
                            grouped: inout FeatureMap, into output: inout FeatureMap) {
        output = layer(input)
    }
}
