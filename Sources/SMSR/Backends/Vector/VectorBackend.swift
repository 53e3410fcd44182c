/// The network's units on the vector kernels. This backend owns every fusion and schedule: the mask generator's
/// first conv joined with layer 0's dense outputs (`JointFirstConvolution`), the mask read straight from the
/// transposed conv's phases, the sparse mask block row by row in stripes across threads (`runRows`), the residual
/// fused with the network collect (`addResidualAndCollect`), the fusion conv added into the head's storage, and
/// Winograd's forms where the weights carry them.
struct VectorBackend: NetworkBackend {
    let vector: SIMDKernels

    init(kernels: SIMDKernels) {
        vector = kernels
    }

    var name: String { vector.name }
    var kernels: any ConvolutionKernels { vector }

    func threaded(_ threads: Int) -> any NetworkBackend {
        guard var kernels = SIMDKernels(vector.instructionSet, threads: threads) else { return self }
        kernels.usesWinograd = vector.usesWinograd
        return VectorBackend(kernels: kernels)
    }

    func head(_ network: SMSRNetwork, input: FeatureMap, first: inout FeatureMap, into head: inout FeatureMap,
              run: inout NetworkRun) {
        vector.convolve(input, network.head.0, relu: true, into: &first)
        vector.convolve(first, VectorForms.of(network).head, relu: false, into: &head)
    }

    func spatialMask(_ network: SMSRNetwork, block b: Int, input: FeatureMap, run: inout NetworkRun,
                     trace: inout InferenceTrace?) -> SpatialMask {
        let forms = VectorForms.of(network)
        let (generator, joints) = (forms.generators[b], forms.jointFirst)
        let (h, w) = (input.height, input.width)
        if run.reduced.values.isEmpty {
            // One map for every block: as many channels as the widest joint convolution (or the generator's own).
            let channels = max(joints.map { $0?.weights.outputs ?? 0 }.max() ?? 0, network.accounting.maskChannels)
            run.reduced = run.storage.map(height: h, width: w, channels: channels)
        }
        if run.maskMaps.logits.values.isEmpty && run.maskMaps.grouped.values.isEmpty {
            run.maskMaps = MaskGeneratorMaps(generator: generator, height: h, width: w, storage: run.storage)
        }
        guard let joint = joints[b] else {
            run.firstLayerOffset = nil
            let logits = generator.logits(input, kernels: vector, team: run.team, scratch: &run.reduced)
            trace?.maskLogits.append(logits)
            return MaskGenerator.mask(logits: logits, height: h, width: w, team: run.team)
        }
        vector.convolve(input, joint.weights, relu: true, into: &run.reduced)
        run.firstLayerOffset = joint.maskChannels
        guard trace != nil else {
            // No logits kept: the mask comes straight from the transposed conv's phases.
            return generator.mask(reduced: run.reduced, kernels: vector, team: run.team, maps: &run.maskMaps, height: h, width: w)
        }
        generator.logits(reduced: run.reduced, kernels: vector, team: run.team, maps: &run.maskMaps)
        trace?.maskLogits.append(run.maskMaps.logits)
        return MaskGenerator.mask(logits: run.maskMaps.logits, height: h, width: w, team: run.team)
    }

    func sparseMaskBlock(_ network: SMSRNetwork, block b: Int, input: FeatureMap, mask: SpatialMask, run: inout NetworkRun,
                         into output: inout FeatureMap) -> [Float] {
        // Row by row, with the channel means taken as rows finish.
        network.blocks[b].runRows(input, mask: mask, kernels: vector,
                                  firstLayer: run.firstLayerOffset.map { (run.reduced, $0) },
                                  rowPairs: vector.usesWinograd ? VectorForms.of(network).rowPairs[b] : [], into: &output)
    }

    func residualAndCollect(_ network: SMSRNetwork, block b: Int, output: inout FeatureMap, scales: [Float],
                            residual: FeatureMap, collected: inout FeatureMap, run: inout NetworkRun) {
        // Blocks end in pairs (`defersCollect`): the first leaves its share of the collect to the second.
        let defers = Self.defersCollect(block: b, of: network.blocks.count)
        addResidualAndCollect(network, block: b, output: &output, scales: scales, residual: residual, collected: &collected,
                              deferred: run.deferredCollect, collectsOwn: !defers, reluAfter: b == network.blocks.count - 1)
        run.deferredCollect = defers ? b : nil
    }

    func fusionAndTail(_ network: SMSRNetwork, collected: FeatureMap, head: inout FeatureMap, run: inout NetworkRun) -> FeatureMap {
        // The fusion conv adds into the head's storage, its last use.
        var g = FeatureMap(height: 0, width: 0, channels: 0)
        swap(&g, &head)
        let forms = VectorForms.of(network)
        vector.accumulateConvolution(collected, forms.fuse, into: &g)
        var t = run.storage.map(height: g.height, width: g.width, channels: forms.tail.outputs)
        vector.convolve(g, forms.tail, relu: false, into: &t)
        run.storage.keep(&g)
        return t
    }

    /// Per dense 3x3 convolution that runs in Winograd's form, the direct sums' `9 * inputs * outputs` per pixel less
    /// `(m+2)^2 * inputs * outputs` per m x m block (blocks cut by the border counted whole, as computed); per tile of m
    /// masked pixels in a masked pass (`RowPairWinograd`, F(m, 3) along the row), 9 per stored output less 3 (m + 2)
    /// times the paper's count of a masked pixel's work per tap in that layer (`RowPairCount.saved`).
    func multiplyAddsSaved(_ network: SMSRNetwork, height h: Int, width w: Int, masks: InferenceOptions.Masks,
                           spatialMasks: [SpatialMask]) -> Int {
        guard vector.usesWinograd else { return 0 }
        var pairs = 0
        for (b, mask) in zip(network.blocks.indices, spatialMasks) where b < VectorForms.of(network).rowPairs.count {
            let block = network.blocks[b]
            let count = RowPairCount.saved(in: mask, sizes: RowPairWeights.tileSizes)
            for (i, form) in VectorForms.of(network).rowPairs[b].enumerated() where form != nil {
                let (denseIn, denseOut) = (block.denseInputs(layer: i), block.splits[i].dense.count)
                let (sparseIn, sparseOut) = (block.layers[i].inputs - denseIn, block.layers[i].outputs - denseOut)
                pairs += count * (block.layers[i].outputs * sparseIn + sparseOut * denseIn)
            }
        }
        func saving(_ weights: ConvWeights, _ h: Int, _ w: Int) -> Int {
            guard let form = weights.winograd, h > 0, w > 0 else { return 0 }
            let (m, n) = (form.blockHeight, form.blockWidth)
            let blocks = ((h + m - 1) / m) * ((w + n - 1) / n)
            return (h * w * 9 - blocks * (m + 2) * (n + 2)) * weights.inputs * weights.outputs
        }
        let forms = VectorForms.of(network)
        var total = pairs + saving(forms.head, h, w) + saving(forms.fuse, h, w) + saving(forms.tail, h, w)
        guard masks == .predicted, !network.blocks.isEmpty else { return total }
        for b in network.blocks.indices {
            // The generator's first conv, with layer 0's dense outputs where they join it.
            total += saving(forms.jointFirst[b]?.weights ?? forms.generators[b].reduce, h, w)
            total += saving(forms.generators[b].refine, h / 2, w / 2)
        }
        return total
    }
}

extension Backend {
    /// The vector backend on `kernels` as configured (threads, Winograd's forms on or off).
    init(vector kernels: SIMDKernels) {
        self.init(VectorBackend(kernels: kernels))
    }
}

/// How `RowPairWinograd` cuts a mask's pixels into tiles: runs of consecutive masked pixels of a row, away from the
/// border (rows 1 ..< height - 1, the tile's columns 1 ..< width - 1), cut from the left into the longest of `sizes`
/// that fits (4 or 2); a run of 3 left takes a tile of 4 storing 3 where its last pixel is away from the border too; the
/// pixels left alone are gathered.
enum RowPairCount {
    /// A tile of `size` outputs computed, the first `stored` written.
    struct Tile: Hashable {
        let size: Int
        let stored: Int
    }

    /// Where a run of `run` (at most 4) masked pixels starts with `room` pixels to the border: the tile taken, if any.
    static func tile(run: Int, room: Int, sizes: [Int]) -> Tile? {
        if sizes.contains(4) && (run >= 4 || (run == 3 && room >= 4)) { return Tile(size: 4, stored: min(run, 4)) }
        return run >= 2 ? Tile(size: 2, stored: 2) : nil
    }

    /// Tiles per size and stored outputs.
    static func tiles(in mask: SpatialMask, sizes: [Int]) -> [Tile: Int] {
        let (h, w) = (mask.height, mask.width)
        var tiles = [Tile: Int]()
        guard h > 2, w > 3 else { return tiles }
        mask.bits.withUnsafeBufferPointer { bits in
            for y in 1..<(h - 1) {
                var x = 1
                while x + 1 < w {
                    var run = 0
                    while run < 4 && x + run + 1 < w && bits[y * w + x + run] != 0 { run += 1 }
                    if let tile = tile(run: run, room: w - 1 - x, sizes: sizes) {
                        tiles[tile, default: 0] += 1
                        x += tile.stored
                    } else {
                        x += 1
                    }
                }
            }
        }
        return tiles
    }

    /// The multiply-adds per input and output a mask's tiles leave out against the direct sums: 9 per stored output less
    /// 3 per component (m + 2 per kernel row).
    static func saved(in mask: SpatialMask, sizes: [Int]) -> Int {
        tiles(in: mask, sizes: sizes).reduce(0) { $0 + (9 * $1.key.stored - 3 * ($1.key.size + 2)) * $1.value }
    }
}
