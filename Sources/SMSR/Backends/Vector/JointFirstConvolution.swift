/// A block's mask generator and its first SMB layer both start with a 3x3 convolution of the block input at every
/// pixel: the generator's first conv (64 -> 16, ReLU) and layer 0's dense outputs (64 -> d0, ReLU; all of layer 0's
/// inputs are dense). On the fast kernels they run as one convolution with the outputs side by side: the input
/// is read once, and the output vectors fill up (16 + d0 outputs in ceil((16 + d0) / 16) vectors instead of one
/// vector for the generator and another, mostly empty, for d0 <= 16).
///
/// Each output is the same sum, in the same order, as in its own convolution, so the masks do not change. Run in
/// Winograd's form (as the fast kernels run it), layer 0's dense outputs differ from layer 0's own direct sums by
/// rounding only.
struct JointFirstConvolution: Sendable {
    /// Outputs `0..<maskChannels`: the generator's first conv; then `denseOutputs` outputs of layer 0.
    let weights: ConvWeights
    let maskChannels: Int
    var denseOutputs: Int { weights.outputs - maskChannels }
    /// Its Winograd blocks, which the generator's first conv run alone takes too, so that it makes the same sums.
    static let blocks = (height: 2, width: 4)

    /// Nil when layer 0 has no dense outputs (nothing to share).
    init?(generator: MaskGenerator, block: SparseMaskBlock) {
        let dense = block.splits[0].dense.count
        guard dense > 0, generator.reduce.kernelSize == block.layers[0].kernelSize,
              generator.reduce.inputs == block.layers[0].inputs else { return nil }
        // Layer 0's weights store its outputs dense first, so its first `dense` outputs are the dense ones.
        weights = generator.reduce.appendingOutputs(of: block.layers[0], count: dense)
            .withWinogradBlocks(height: Self.blocks.height, width: Self.blocks.width)
        maskChannels = generator.reduce.outputs
    }
}
