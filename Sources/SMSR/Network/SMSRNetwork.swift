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
    /// Per block, the mask generator's first conv joined with layer 0's dense outputs (fast kernels only).
    let jointFirst: [JointFirstConvolution?]
    /// Whole-image maps' storage kept between runs (shared by every copy of this network).
    let storage = MapStorage(limitBytes: SMSRNetwork.keptStorageBytes)
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
        // Winograd's forms for the dense 3x3 convolutions on 64 inputs: 2x2 blocks where the rounding reaches the masks
        // and the block outputs (the head here, the mask generators and the joint first convolutions in theirs). 4x4
        // blocks are about 1.6 times as fast again, but their transforms multiply by up to 8 and divide by 24: in the
        // head they moved a golden crop's block outputs by 1.5e-3 from the official ones, past the 1e-3 they are held to.
        head = (conv("head.0"), conv("head.2").withWinogradBlocks(2))
        let blockIndices = 0..<weights.blockCount
        maskGenerators = blockIndices.map { MaskGenerator(weights: weights, block: $0) }
        blocks = blockIndices.map { SparseMaskBlock(weights: weights, block: $0) }
        attention = blockIndices.map { ChannelAttention(weights: weights, block: $0) }
        jointFirst = zip(maskGenerators, blocks).map { JointFirstConvolution(generator: $0, block: $1) }
        let collectFull = conv("collect.0")
        let c = weights.channels
        collect = blockIndices.map { b in
            var slice = collectFull.reordered(inputOrder: Array((b * c)..<((b + 1) * c)), outputOrder: Array(0..<c))
            slice.bias = nil
            return slice
        }
        collectBias = collectFull.bias ?? []
        // After the last block, the rounding of a convolution reaches only the output (no mask, no block output), so
        // these two take Winograd's larger blocks.
        fuse = conv("collect.2").withWinogradBlocks(4)
        tail = conv("tail.0").withWinogradBlocks(4)
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

    /// The whole network on one image (or tile), in the order of the model notes.
    func forward(planarRGB input: [Float], height: Int, width: Int, options: InferenceOptions) -> InferenceResult {
        let kernels = options.kernels.threaded(options.threads)
        let team = ThreadTeam(threads: options.threads)
        var clock = StageClock()
        var trace = options.collectTrace ? InferenceTrace() : nil

        // Mean shift (a 1x1 conv 3->3 with bias), kept planar for the bicubic skip and written channels-last for the head.
        let plane = height * width
        var shifted = [Float](repeating: 0, count: 3 * plane)
        var x0 = FeatureMap(uninitializedHeight: height, width: width, channels: 3)
        let (shiftWeight, shiftBias) = (meanShiftIn.weight, meanShiftIn.bias)
        input.withUnsafeBufferPointer { rgb in
            shifted.withUnsafeMutableBufferPointer { planar in
                x0.values.withUnsafeMutableBufferPointer { pixels in
                    team.forEachChunk(plane) { range in
                        for p in range {
                            for o in 0..<3 {
                                var v = shiftBias[o]
                                for i in 0..<3 { v += shiftWeight[o * 3 + i] * rgb[i * plane + p] }
                                planar[o * plane + p] = v
                                pixels[p * 3 + o] = v
                            }
                        }
                    }
                }
            }
        }
        // The first head conv's output is then reused as the collect sum's storage.
        let c = channels
        var collected = storage.map(height: height, width: width, channels: c)
        kernels.convolve(x0, head.0, relu: true, into: &collected)
        var h = storage.map(height: height, width: width, channels: c)
        kernels.convolve(collected, head.1, relu: false, into: &h)
        clock.finish(.head)

        var features = h
        // On the fast kernels the first block's share of the collect starts the sum from the bias itself.
        if !(kernels is SIMDKernels) || blocks.isEmpty {
            FeatureArithmetic.fill(&collected, height: height, width: width, with: collectBias, team: team)
        }
        var masks: [SpatialMask] = []
        // Big maps are reused across blocks and layers: a fresh 60 MB map costs page faults and zeroing.
        let empty = FeatureMap(height: 0, width: 0, channels: 0)
        var scratch = (empty, empty)
        var spare = storage.map(height: height, width: width, channels: c)
        let scratchChannels = jointFirst.map { $0?.weights.outputs ?? 0 }.max() ?? 0
        var maskScratch = storage.map(height: height, width: width, channels: max(scratchChannels, accounting.maskChannels))
        var maskMaps = maskGenerators.first.map { MaskGeneratorMaps(generator: $0, height: height, width: width, storage: storage) }
            ?? MaskGeneratorMaps()
        for b in blocks.indices {
            let mask: SpatialMask
            var firstLayer: JointFirstConvolution?
            switch options.masks {
            case .predicted:
                if let fast = kernels as? SIMDKernels, let joint = jointFirst[b] {
                    fast.convolve(features, joint.weights, relu: true, into: &maskScratch)
                    firstLayer = joint
                    if trace == nil {
                        // No logits kept: the mask comes straight from the transposed conv's phases.
                        mask = maskGenerators[b].mask(reduced: maskScratch, kernels: kernels, team: team, maps: &maskMaps,
                                                      height: height, width: width)
                    } else {
                        maskGenerators[b].logits(reduced: maskScratch, kernels: kernels, team: team, maps: &maskMaps)
                        mask = MaskGenerator.mask(logits: maskMaps.logits, height: height, width: width, team: team)
                        trace?.maskLogits.append(maskMaps.logits)
                    }
                } else {
                    let logits = maskGenerators[b].logits(features, kernels: kernels, team: team, scratch: &maskScratch)
                    mask = MaskGenerator.mask(logits: logits, height: height, width: width, team: team)
                    trace?.maskLogits.append(logits)
                }
            case .allOnes:
                mask = .full(height: height, width: width)
            }
            masks.append(mask)
            clock.finish(.mask)
            if let fast = kernels as? SIMDKernels {
                // Row by row, with the channel means taken as rows finish and the collect fused with the residual.
                let mean = blocks[b].runRows(features, mask: mask, kernels: fast,
                                             firstLayer: firstLayer.map { (maskScratch, $0.maskChannels) }, into: &spare)
                addResidualAndCollect(block: b, output: &spare, scales: attention[b].scales(mean: mean), residual: features,
                                      collected: &collected, reluAfter: b == blocks.count - 1, kernels: fast)
                swap(&features, &spare)
                clock.finish(.smb)
            } else {
                blocks[b](features, mask: mask, kernels: kernels, team: team, scratch: &scratch, into: &spare)
                FeatureArithmetic.scaleAndAdd(&spare, scales: attention[b].scales(for: spare, team: team), residual: features, team: team)
                swap(&features, &spare)
                clock.finish(.smb)
                kernels.accumulatePointwise(features, denseInputs: channels, collect[b], mask: nil, into: &collected)
                clock.finish(.collect)
            }
            // The previous block input becomes the next block's output buffer, except `h`, which is still needed.
            if b == 0 { spare = storage.map(height: height, width: width, channels: c) }
            trace?.blockOutputs.append(features)
        }
        var g: FeatureMap
        if let fast = kernels as? SIMDKernels, !blocks.isEmpty {
            // The last block already applied the ReLU; the fusion conv adds into `h`'s storage, its last use.
            g = empty
            swap(&g, &h)
            fast.accumulateConvolution(collected, fuse, into: &g)
        } else {
            FeatureArithmetic.relu(&collected, team: team)
            g = kernels.convolve(collected, fuse, relu: false)
            FeatureArithmetic.add(h, to: &g, team: team)
        }
        clock.finish(.collect)

        var t = storage.map(height: height, width: width, channels: tail.outputs)
        kernels.convolve(g, tail, relu: false, into: &t)
        storage.keep(&collected)
        storage.keep(&features)
        storage.keep(&spare)
        storage.keep(&maskScratch)
        storage.keep(&g)
        maskMaps.keep(in: storage)
        let output = assembleOutput(tail: t, shifted: shifted, height: height, width: width, team: team, trace: &trace)
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
        let winograd = (kernels as? SIMDKernels)?.usesWinograd == true
        let multiplyAdds = work.executed - (winograd ? winogradSaving(height: height, width: width, masks: options.masks) : 0)
        return InferenceResult(planarRGB: output, height: height * scale, width: width * scale,
                               work: work, multiplyAdds: multiplyAdds, masks: masks, stages: clock.milliseconds, trace: trace)
    }

    /// The multiply-adds that Winograd's forms leave out of a run's count on the fast kernels: per dense 3x3
    /// convolution that takes one, the direct sums' `9 * inputs * outputs` per pixel less `(m+2)^2 * inputs * outputs` per
    /// m x m block (blocks cut by the border counted whole, as computed).
    func winogradSaving(height h: Int, width w: Int, masks: InferenceOptions.Masks) -> Int {
        func saving(_ weights: ConvWeights, _ h: Int, _ w: Int) -> Int {
            guard let form = weights.winograd, h > 0, w > 0 else { return 0 }
            let m = form.blockSize
            let blocks = ((h + m - 1) / m) * ((w + m - 1) / m)
            return (h * w * 9 - blocks * (m + 2) * (m + 2)) * weights.inputs * weights.outputs
        }
        var total = saving(head.1, h, w) + saving(fuse, h, w) + saving(tail, h, w)
        guard masks == .predicted, !blocks.isEmpty else { return total }
        for b in blocks.indices {
            // The generator's first conv, with layer 0's dense outputs where they join it.
            total += saving(jointFirst[b]?.weights ?? maskGenerators[b].reduce, h, w)
            total += saving(maskGenerators[b].refine, h / 2, w / 2)
        }
        return total
    }

    /// Pixel shuffle of the tail output, plus the bicubic skip of the shifted input, plus the mean: one pass over the
    /// output rows, each row's skip interpolated just before it is used.
    private func assembleOutput(tail t: FeatureMap, shifted: [Float], height: Int, width: Int, team: ThreadTeam,
                                trace: inout InferenceTrace?) -> [Float] {
        let s = scale
        let (oh, ow) = (height * s, width * s)
        let (plane, outPlane) = (height * width, oh * ow)
        if trace != nil {
            trace?.bicubicSkip = (0..<3).flatMap { c in
                bicubic.upsample(Array(shifted[(c * plane)..<((c + 1) * plane)]), height: height, width: width, team: team)
            }
        }
        // The skip's first pass (each input row widened), three planes one after another. Fresh storage: kept storage
        // large enough is that of a whole map, which this would shrink, and the next run would fill in again.
        var widened = FeatureMap(uninitializedHeight: height, width: ow, channels: 3)
        shifted.withUnsafeBufferPointer { source in
            widened.values.withUnsafeMutableBufferPointer { rows in
                for c in 0..<3 {
                    bicubic.widenRows(source.baseAddress! + c * plane, height: height, width: width,
                                      into: rows.baseAddress! + c * height * ow, team: team)
                }
            }
        }
        let rowTaps = bicubic.taps(oh, height)
        // add_mean is a 1x1 conv 3->3 with bias applied to (shuffled + skip), where the shuffled value at
        // (c, s*y + i, s*x + j) is tail channel c*s*s + s*i + j at (y, x).
        let (weight, bias, tc) = (meanShiftOut.weight, meanShiftOut.bias, t.channels)
        let output = [Float](unsafeUninitializedCapacity: 3 * outPlane) { out, written in
            t.values.withUnsafeBufferPointer { tv in
                widened.values.withUnsafeBufferPointer { rows in
                    nonisolated(unsafe) let out = out
                    team.forEachChunk(oh) { outputRows in
                        let skip = UnsafeMutablePointer<Float>.allocate(capacity: 3 * ow)
                        defer { skip.deallocate() }
                        var sum = (Float(0), Float(0), Float(0))
                        for oy in outputRows {
                            for c in 0..<3 {
                                bicubic.interpolateRow(oy, taps: rowTaps, rows: rows.baseAddress! + c * height * ow, width: ow,
                                                       into: skip + c * ow)
                            }
                            let (y, i) = (oy / s, oy % s)
                            for ox in 0..<ow {
                                let (x, j) = (ox / s, ox % s)
                                let p = oy * ow + ox
                                let base = (y * width + x) * tc + s * i + j
                                sum.0 = tv[base] + skip[ox]
                                sum.1 = tv[base + s * s] + skip[ow + ox]
                                sum.2 = tv[base + 2 * s * s] + skip[2 * ow + ox]
                                for o in 0..<3 {
                                    var v = bias[o]
                                    v += weight[o * 3] * sum.0
                                    v += weight[o * 3 + 1] * sum.1
                                    v += weight[o * 3 + 2] * sum.2
                                    out[o * outPlane + p] = v
                                }
                            }
                        }
                    }
                }
            }
            written = 3 * outPlane
        }
        return output
    }
}
