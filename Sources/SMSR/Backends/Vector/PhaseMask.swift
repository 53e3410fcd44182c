extension MaskGenerator {
    /// The hard mask of a `height` x `width` block input from the first conv's output, as `mask(logits:)` of
    /// `logits(reduced:)` but without interleaving the logits: each pixel compares its two logits where the transposed
    /// conv's phase convolution left them (the same values, so the same bits). The vector backend's, whose kernels run
    /// that phase convolution; `maps.logits` is not written.
    func mask(reduced: FeatureMap, kernels: SIMDKernels, team: ThreadTeam, maps: inout MaskGeneratorMaps,
              height: Int, width: Int) -> SpatialMask {
        precondition(expand.outputs == 2, "two logits")
        refine(reduced: reduced, kernels: kernels, team: team, maps: &maps)
        expand.convolvePhases(maps.refined, kernels: kernels, into: &maps.grouped)
        let (h2, w2, stride) = (maps.grouped.height, maps.grouped.width, maps.grouped.channels)
        precondition(2 * h2 <= height && 2 * w2 <= width && stride == 4 * expand.outputs, "phase map mismatch")
        let phase = expand
        var bits = [UInt8](repeating: 0, count: height * width)
        maps.grouped.values.withUnsafeBufferPointer { g in
            bits.withUnsafeMutableBufferPointer { b in
                team.forEachChunk(2 * h2) { rows in
                    for y in rows {
                        // Output row y is phase row y % 2 of input row y / 2.
                        let source = g.baseAddress! + (y / 2) * w2 * stride
                        let target = b.baseAddress! + y * width
                        for x in 0..<(2 * w2) {
                            let logit = source + (x / 2) * stride + phase.phaseChannel(py: y % 2, px: x % 2)
                            if logit[1] > logit[0] { target[x] = 1 }
                        }
                    }
                }
            }
        }
        return SpatialMask(height: height, width: width, bits: bits, team: team)
    }
}
