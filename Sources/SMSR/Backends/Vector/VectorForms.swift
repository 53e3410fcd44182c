/// The forms of a network's weights the vector backend runs, made once per network (`PreparedForms`).
///
/// Winograd's forms for the dense 3x3 convolutions on 16 or 64 inputs: where the rounding reaches the masks and the
/// block outputs, 2x4 blocks (the head's second conv, the joint first convolutions, the generators' first convs), which
/// round about as little as 2x2, or 2x2 (the generators' refine convs, at half size); 4x4 blocks, faster still but
/// rounding more (transforms that multiply by up to 8 and divide by 15), only after the last block, where the rounding
/// reaches the output alone (the fusion conv and the tail). Figures: Benchmarks/engine.md, kernel choices.
struct VectorForms: Sendable {
    let head: ConvWeights
    let fuse: ConvWeights
    let tail: ConvWeights
    /// Each block's mask generator with its convolutions in Winograd's form.
    let generators: [MaskGenerator]
    /// Per block, the generator's first conv joined with layer 0's dense outputs (nil where layer 0 has none).
    let jointFirst: [JointFirstConvolution?]
    /// Per block and layer, the weights for the masked passes' tiles of neighbouring pixels (`RowPairWinograd`).
    let rowPairs: [[RowPairWeights?]]

    init(_ network: SMSRNetwork) {
        head = network.head.1.withWinogradBlocks(height: 2, width: 4)
        fuse = network.fuse.withWinogradBlocks(4)
        tail = network.tail.withWinogradBlocks(4)
        generators = network.maskGenerators.map { plain in
            var generator = plain
            let joint = JointFirstConvolution.blocks
            generator.reduce = plain.reduce.withWinogradBlocks(height: joint.height, width: joint.width)
            generator.refine = plain.refine.withWinogradBlocks(2)
            return generator
        }
        jointFirst = zip(network.maskGenerators, network.blocks).map { JointFirstConvolution(generator: $0, block: $1) }
        rowPairs = network.blocks.map { block in block.layers.map { RowPairWeights($0) } }
    }

    /// The forms of `network`, made on first use.
    static func of(_ network: SMSRNetwork) -> VectorForms {
        network.preparedForms.form("vector") { VectorForms(network) }
    }
}
