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
    /// The collect slices' lane-padded weights one layer after another, and the bias padded likewise: the layout
    /// `LayerCollect` reads.
    let joinedCollect: (weights: [Float], bias: [Float])

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
        let lanes = collect.first?.laneOutputs ?? c
        precondition(collect.allSatisfy { $0.kernelSize == 1 && $0.laneOutputs == lanes }, "collect shape mismatch")
        joinedCollect = (collect.flatMap(\.laneValues), collectBias + [Float](repeating: 0, count: max(0, lanes - collectBias.count)))
    }

    /// The dense input count of each layer (the previous layer's dense outputs).
    func denseInputs(layer i: Int) -> Int { i == 0 ? layers[0].inputs : splits[i - 1].dense.count }

    /// Runs the block on `input` into `output` (reusing its storage when it fits), layer by layer. The layers'
    /// outputs alternate between the two `scratch` maps, so a block allocates nothing once they have their size.
    /// The vector backend runs the block row by row instead (`runRows`).
    func callAsFunction(_ input: FeatureMap, mask: SpatialMask, kernels: any ConvolutionKernels, team: ThreadTeam = .single,
                        scratch: inout (FeatureMap, FeatureMap), into output: inout FeatureMap) {
        // The 1x1 collect is accumulated layer by layer, so no concatenation of the four outputs is kept.
        FeatureArithmetic.fill(&output, height: input.height, width: input.width, with: collectBias, team: team)
        for (i, layer) in layers.enumerated() {
            let source = i == 0 ? input : (i % 2 == 1 ? scratch.0 : scratch.1)
            if i % 2 == 0 {
                kernels.sparseConvolve(source, denseInputs: denseInputs(layer: i), layer, denseOutputs: splits[i].dense.count,
                                       mask: mask, into: &scratch.0)
                kernels.accumulatePointwise(scratch.0, denseInputs: splits[i].dense.count, collect[i], mask: mask, into: &output)
            } else {
                kernels.sparseConvolve(source, denseInputs: denseInputs(layer: i), layer, denseOutputs: splits[i].dense.count,
                                       mask: mask, into: &scratch.1)
                kernels.accumulatePointwise(scratch.1, denseInputs: splits[i].dense.count, collect[i], mask: mask, into: &output)
            }
        }
    }

    func callAsFunction(_ input: FeatureMap, mask: SpatialMask, kernels: any ConvolutionKernels,
                        team: ThreadTeam = .single) -> FeatureMap {
        let empty = FeatureMap(height: 0, width: 0, channels: 0)
        var scratch = (empty, empty)
        var output = empty
        self(input, mask: mask, kernels: kernels, team: team, scratch: &scratch, into: &output)
        return output
    }
}
