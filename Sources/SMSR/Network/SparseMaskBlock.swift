/// The sparse mask block: four 3x3 convolutions (no bias, ReLU) whose output channels are split into
/// dense and sparse by the channel masks, then a 1x1 convolution (with bias) over all four layer outputs.
///
/// Layer i's input split is layer i-1's output split (layer 0: every input dense). Each layer's output is
/// stored dense channels first, so its weights and the next layer's are reordered once, here.
struct SparseMaskBlock: Sendable {
    let splits: [ChannelSplit]
    /// Per layer: weights with inputs in the previous layer's storage order and outputs in this one's.
    let layers: [ConvWeights]
    /// Per layer: the slice of the 1x1 collect conv reading that layer's output, inputs in storage order.
    let collect: [ConvWeights]
    let collectBias: [Float]

    init(weights: WeightSet, block b: Int) {
        let p = "body.\(b).body"
        let c = weights.channels
        splits = ChannelSplit.fromLogits(weights.tensor("\(p).ch_mask"))
        var inputOrder = Array(0..<c)
        var layers: [ConvWeights] = []
        for (i, split) in splits.enumerated() {
            let full = ConvWeights(pytorch: weights.tensor("\(p).body.\(i).weight"), bias: nil)
            layers.append(full.reordered(inputOrder: inputOrder, outputOrder: split.order))
            inputOrder = split.order
        }
        self.layers = layers
        let collectFull = ConvWeights(pytorch: weights.tensor("\(p).collect.weight"), bias: weights.tensor("\(p).collect.bias"))
        collect = splits.enumerated().map { i, split in
            var slice = collectFull.reordered(inputOrder: split.order.map { i * c + $0 }, outputOrder: Array(0..<c))
            slice.bias = nil
            return slice
        }
        collectBias = collectFull.bias ?? [Float](repeating: 0, count: c)
    }

    /// The dense input count of each layer (the previous layer's dense outputs).
    func denseInputs(layer i: Int) -> Int { i == 0 ? layers[0].inputs : splits[i - 1].dense.count }

    func callAsFunction(_ input: FeatureMap, mask: SpatialMask, kernels: any ConvolutionKernels,
                        team: ThreadTeam = .single) -> FeatureMap {
        // The 1x1 collect is accumulated layer by layer, so no concatenation of the four outputs is kept.
        var output = FeatureArithmetic.filled(height: input.height, width: input.width, with: collectBias, team: team)
        var features = input
        for (i, layer) in layers.enumerated() {
            features = kernels.sparseConvolve(features, denseInputs: denseInputs(layer: i), layer,
                                              denseOutputs: splits[i].dense.count, mask: mask)
            kernels.accumulatePointwise(features, denseInputs: splits[i].dense.count, collect[i], mask: mask, into: &output)
        }
        return output
    }
}
