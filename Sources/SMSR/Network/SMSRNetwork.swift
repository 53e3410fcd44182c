import Foundation

/// The SMSR network at inference, prepared once from a weight set and shared by any number of runs.
///
/// Forward pass (see the model design notes): mean shift, head, blocks of mask generator + sparse mask block
/// + channel attention + residual, collect, tail, pixel shuffle, plus a bicubic skip of the shifted input.
public struct SMSRNetwork: Sendable {
    public let scale: Int
    public let channels: Int
    public let parameterCount: Int
    public let metadata: [String: String]
    public let accounting: WorkAccounting
    /// The dense/sparse split of every block's four layers.
    public var channelSplits: [[ChannelSplit]] { accounting.splits }

    let meanShiftIn: (weight: [Float], bias: [Float])
    let meanShiftOut: (weight: [Float], bias: [Float])
    let head: (ConvWeights, ConvWeights)
    let maskGenerators: [MaskGenerator]
    let blocks: [SparseMaskBlock]
    let attention: [ChannelAttention]
    /// Whole-image maps' storage kept between runs (shared by every copy of this network).
    let storage = MapStorage(limitBytes: SMSRNetwork.keptStorageBytes)
    /// The backends' own forms of these weights, made on first use and kept (shared by every copy of this network).
    let preparedForms = PreparedForms()
    /// Enough for the maps of one 640x360 run (five 64-channel maps, the joint first layer's, the tail's and the mask
    /// generator's; about 350 MB).
    static let keptStorageBytes = 384 << 20
    /// The network collect's 1x1 conv, one 64->64 slice per block output, bias applied once.
    let collect: [ConvWeights]
    let collectBias: [Float]
    let fuse: ConvWeights
    let tail: ConvWeights
    let bicubic: BicubicUpsampling

    public init(weights: WeightSet) {
        scale = weights.scale
        channels = weights.channels
        parameterCount = weights.parameterCount
        metadata = weights.metadata
        func shift(_ name: String) -> (weight: [Float], bias: [Float]) {
            (weights.tensor("\(name).weight").values, weights.tensor("\(name).bias").values)
        }
        meanShiftIn = shift("sub_mean")
        meanShiftOut = shift("add_mean")
        func conv(_ name: String) -> ConvWeights {
            ConvWeights(pytorch: weights.tensor("\(name).weight"), bias: weights.tensor("\(name).bias"))
        }
        head = (conv("head.0"), conv("head.2"))
        let blockIndices = 0..<weights.blockCount
        maskGenerators = blockIndices.map { MaskGenerator(weights: weights, block: $0) }
        blocks = blockIndices.map { SparseMaskBlock(weights: weights, block: $0) }
        attention = blockIndices.map { ChannelAttention(weights: weights, block: $0) }
        let collectFull = conv("collect.0")
        let c = weights.channels
        collect = blockIndices.map { b in
            var slice = collectFull.reordered(inputOrder: Array((b * c)..<((b + 1) * c)), outputOrder: Array(0..<c))
            slice.bias = nil
            return slice
        }
        collectBias = collectFull.bias ?? []
        fuse = conv("collect.2")
        tail = conv("tail.0")
        bicubic = BicubicUpsampling(scale: weights.scale)
        accounting = WorkAccounting(channels: c, maskChannels: weights.maskChannels, scale: weights.scale,
                                    splits: blocks.map(\.splits))
    }

    /// Upscales a planar RGB image (three planes of `height` x `width`, values in [0, 255]).
    /// The result is planar RGB at `scale` times the size, not clamped. Images larger than the tiling allows
    /// go through overlapping tiles (see `Tiling`).
    public func run(planarRGB input: [Float], height: Int, width: Int,
                    options: InferenceOptions = InferenceOptions()) -> InferenceResult {
        precondition(input.count == 3 * height * width && height > 0 && width > 0, "input must be 3 non-empty planes")
        let plan = TilePlan(height: height, width: width, channels: channels, scale: scale, tiling: options.tiling)
        if plan.tiles.count == 1 { return forward(planarRGB: input, height: height, width: width, options: options) }
        return TiledRun(plan: plan).run(network: self, planarRGB: input, options: options)
    }

    /// The whole network on one image (or tile), in the order of the model notes. Each step is the backend's.
    func forward(planarRGB input: [Float], height: Int, width: Int, options: InferenceOptions) -> InferenceResult {
        let backend = options.backend.units.threaded(options.threads)
        var run = NetworkRun(team: ThreadTeam(threads: options.threads), storage: storage, forms: preparedForms,
                             height: height, width: width)
        var clock = StageClock()
        var trace = options.collectTrace ? InferenceTrace() : nil

        let (shifted, x0) = shiftMean(input, height: height, width: width, team: run.team)
        // The first head conv's output is then reused as the collect sum's storage.
        let c = channels
        var collected = storage.map(height: height, width: width, channels: c)
        var h = storage.map(height: height, width: width, channels: c)
        backend.head(self, input: x0, first: &collected, into: &h, run: &run)
        clock.finish(.head)

        var features = h
        var masks: [SpatialMask] = []
        // Big maps are reused across blocks: a fresh 64-channel map costs page faults and zeroing.
        var spare = storage.map(height: height, width: width, channels: c)
        for b in blocks.indices {
            let mask: SpatialMask
            switch options.masks {
            case .predicted:
                mask = backend.spatialMask(self, block: b, input: features, run: &run, trace: &trace)
            case .allOnes:
                mask = .full(height: height, width: width)
                run.firstLayerOffset = nil
            }
            masks.append(mask.record)
            clock.finish(.mask)
            let means = backend.sparseMaskBlock(self, block: b, input: features, mask: mask, run: &run, into: &spare)
            backend.residualAndCollect(self, block: b, output: &spare, scales: attention[b].scales(mean: means),
                                       residual: features, collected: &collected, run: &run)
            swap(&features, &spare)
            clock.finish(.smb)
            // The previous block input becomes the next block's output buffer, except `h`, which is still needed.
            if b == 0 { spare = storage.map(height: height, width: width, channels: c) }
            trace?.blockOutputs.append(features)
        }
        if blocks.isEmpty {
            FeatureArithmetic.fill(&collected, height: height, width: width, with: collectBias, team: run.team)
            FeatureArithmetic.relu(&collected, team: run.team)
        }
        var t = backend.fusionAndTail(self, collected: collected, head: &h, run: &run)
        clock.finish(.collect)
        storage.keep(&collected)
        storage.keep(&features)
        storage.keep(&spare)
        run.keepMaps()
        let output = assembleOutput(tail: t, shifted: shifted, height: height, width: width, team: run.team, trace: &trace)
        storage.keep(&t)
        clock.finish(.tail)

        let work: WorkCount
        switch options.masks {
        case .predicted: work = accounting.count(height: height, width: width, maskCounts: masks.map(\.count))
        case .allOnes:
            // The plain dense network: no mask generators ran, every sparse channel was computed everywhere.
            let dense = accounting.count(height: height, width: width, maskCounts: masks.map(\.count)).dense
            let generators = accounting.maskGeneratorWork(height: height, width: width)
            work = WorkCount(dense: dense, executed: dense - generators)
        }
        let multiplyAdds = work.executed - backend.multiplyAddsSaved(self, height: height, width: width, masks: options.masks,
                                                                       spatialMasks: masks)
        return InferenceResult(planarRGB: output, height: height * scale, width: width * scale,
                               work: work, multiplyAdds: multiplyAdds, masks: masks, stages: clock.milliseconds, trace: trace)
    }
}
