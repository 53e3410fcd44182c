/// A block's spatial mask generator, the small hourglass of the paper:
/// conv3x3 -> ReLU -> avgpool 2x2 -> conv3x3 -> ReLU -> transposed conv x2 -> two logits per pixel.
struct MaskGenerator: Sendable {
    let reduce: ConvWeights
    let refine: ConvWeights
    let expand: TransposedConvolution

    init(weights: WeightSet, block b: Int) {
        let p = "body.\(b).spa_mask"
        // Both carry Winograd's 2x2 form, which backends that run it use (see `SMSRNetwork`).
        reduce = ConvWeights(pytorch: weights.tensor("\(p).0.weight"), bias: weights.tensor("\(p).0.bias")).withWinogradBlocks(2)
        refine = ConvWeights(pytorch: weights.tensor("\(p).3.weight"), bias: weights.tensor("\(p).3.bias")).withWinogradBlocks(2)
        expand = TransposedConvolution(weight: weights.tensor("\(p).5.weight"), bias: weights.tensor("\(p).5.bias"))
    }

    /// The raw logits, `2*floor(H/2)` x `2*floor(W/2)` x 2.
    /// The first conv's output goes into `scratch`, which the next block reuses (on kernels that reuse storage).
    func logits(_ features: FeatureMap, kernels: any ConvolutionKernels, team: ThreadTeam = .single,
                scratch: inout FeatureMap) -> FeatureMap {
        kernels.convolve(features, reduce, relu: true, into: &scratch)
        return logits(reduced: scratch, kernels: kernels, team: team)
    }

    /// The logits from the first conv's output (after its ReLU), held in the first `reduce.outputs` channels of
    /// `reduced`, which may hold more (see `JointFirstConvolution`).
    func logits(reduced: FeatureMap, kernels: any ConvolutionKernels, team: ThreadTeam = .single) -> FeatureMap {
        var maps = MaskGeneratorMaps()
        logits(reduced: reduced, kernels: kernels, team: team, maps: &maps)
        return maps.logits
    }

    /// `logits(reduced:)` through maps whose storage is kept from block to block (see `MaskGeneratorMaps`); the
    /// logits are `maps.logits`.
    func logits(reduced: FeatureMap, kernels: any ConvolutionKernels, team: ThreadTeam = .single, maps: inout MaskGeneratorMaps) {
        refine(reduced: reduced, kernels: kernels, team: team, maps: &maps)
        expand.apply(maps.refined, kernels: kernels, team: team, grouped: &maps.grouped, into: &maps.logits)
    }

    /// The steps between the first conv and the transposed conv: pooled, then refined, into `maps`.
    func refine(reduced: FeatureMap, kernels: any ConvolutionKernels, team: ThreadTeam, maps: inout MaskGeneratorMaps) {
        Pooling.average2x2(reduced, channels: reduce.outputs, team: team, into: &maps.pooled)
        kernels.convolve(maps.pooled, refine, relu: true, into: &maps.refined)
    }

    /// The hard mask `logit[1] > logit[0]`; for odd sizes the row or column the generator does not
    /// cover stays 0.
    static func mask(logits: FeatureMap, height: Int, width: Int, team: ThreadTeam = .single) -> SpatialMask {
        precondition(logits.channels == 2, "two logits per pixel")
        precondition(logits.height <= height && logits.width <= width, "logits larger than the mask")
        var bits = [UInt8](repeating: 0, count: height * width)
        logits.values.withUnsafeBufferPointer { l in
            bits.withUnsafeMutableBufferPointer { b in
                team.forEachChunk(logits.height) { rows in
                    for y in rows {
                        for x in 0..<logits.width where l[2 * (y * logits.width + x) + 1] > l[2 * (y * logits.width + x)] {
                            b[y * width + x] = 1
                        }
                    }
                }
            }
        }
        return SpatialMask(height: height, width: width, bits: bits, team: team)
    }
}

/// A mask generator's maps after its first conv (pooled, refined, the transposed conv's phases, the logits): the
/// same sizes in every block, so one set serves all of them and the network keeps their storage between runs
/// instead of faulting in about 55 MB of fresh pages per 640x360 run.
struct MaskGeneratorMaps {
    var pooled = FeatureMap(height: 0, width: 0, channels: 0)
    var refined = FeatureMap(height: 0, width: 0, channels: 0)
    var grouped = FeatureMap(height: 0, width: 0, channels: 0)
    var logits = FeatureMap(height: 0, width: 0, channels: 0)

    init() {}

    /// The maps `generator` needs for a `height` x `width` block input, from `storage` where it keeps any.
    init(generator: MaskGenerator, height: Int, width: Int, storage: MapStorage) {
        let (h2, w2) = (height / 2, width / 2)
        pooled = storage.map(height: h2, width: w2, channels: generator.reduce.outputs)
        refined = storage.map(height: h2, width: w2, channels: generator.refine.outputs)
        grouped = storage.map(height: h2, width: w2, channels: generator.expand.phases.outputs)
        logits = storage.map(height: 2 * h2, width: 2 * w2, channels: generator.expand.outputs)
    }

    /// Hands every map's storage to `storage` for later runs.
    mutating func keep(in storage: MapStorage) {
        storage.keep(&pooled)
        storage.keep(&refined)
        storage.keep(&grouped)
        storage.keep(&logits)
    }
}
