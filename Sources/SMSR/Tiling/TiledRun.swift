/// Runs the network tile by tile and stitches the cores: output pixels, masks (for statistics) and stage
/// times. The work counted is what was executed, context included. `checkpoint` is asked before each tile.
struct TiledRun: Sendable {
    let plan: TilePlan

    func run(network: SMSRNetwork, planarRGB input: [Float], options: InferenceOptions) -> InferenceResult {
        do throws(RunStopped) {
            return try run(network: network, planarRGB: input, options: options, checkpoint: .never)
        } catch {
            preconditionFailure("a run without a checkpoint never stops")
        }
    }

    func run(network: SMSRNetwork, planarRGB input: [Float], options: InferenceOptions,
             checkpoint: TileCheckpoint) throws(RunStopped) -> InferenceResult {
        let (h, w, s) = (plan.height, plan.width, network.scale)
        let (oh, ow) = (h * s, w * s)
        var stopped: RunStopped?
        var maskBits = [[UInt8]](repeating: [UInt8](repeating: 0, count: h * w), count: network.blocks.count)
        var work = WorkCount(dense: 0, executed: 0)
        var multiplyAdds = 0
        var stages: [InferenceStage: Double] = [:]
        var tileOptions = options
        tileOptions.tiling = .wholeImage
        tileOptions.collectTrace = false
        let tiles = plan.tiles
        // The output planes are written tile by tile and never zeroed first, so the pages of tiles still to come are
        // not resident while the earlier tiles' feature maps are; the cores partition the image, so every sample
        // is written before the array counts it initialized.
        let output = [Float](unsafeUninitializedCapacity: 3 * oh * ow) { output, initialized in
            for (index, tile) in tiles.enumerated() {
                if checkpoint.shouldStop(index, tiles.count) {
                    stopped = RunStopped(completedTiles: index, tileCount: tiles.count)
                    return
                }
                let region = tile.padded
                var crop = [Float](repeating: 0, count: 3 * region.height * region.width)
                for c in 0..<3 {
                    for y in region.y {
                        let source = (c * h + y) * w + region.x.lowerBound
                        let target = (c * region.height + y - region.y.lowerBound) * region.width
                        for x in 0..<region.width { crop[target + x] = input[source + x] }
                    }
                }
                let result = network.forward(planarRGB: crop, height: region.height, width: region.width, options: tileOptions)
                let (cy, cx) = (tile.core.y.lowerBound - region.y.lowerBound, tile.core.x.lowerBound - region.x.lowerBound)
                let tw = result.width
                for c in 0..<3 {
                    for y in (tile.core.y.lowerBound * s)..<(tile.core.y.upperBound * s) {
                        let source = (c * result.height + y - tile.core.y.lowerBound * s + cy * s) * tw + cx * s
                        let target = (c * oh + y) * ow + tile.core.x.lowerBound * s
                        for x in 0..<(tile.core.width * s) { output[target + x] = result.planarRGB[source + x] }
                    }
                }
                for (b, mask) in result.masks.enumerated() {
                    for y in tile.core.y {
                        for x in tile.core.x {
                            maskBits[b][y * w + x] = mask.bits[(y - region.y.lowerBound) * region.width + x - region.x.lowerBound]
                        }
                    }
                }
                work = work + result.work
                multiplyAdds += result.multiplyAdds
                stages.merge(result.stages, uniquingKeysWith: +)
            }
            initialized = output.count
        }
        if let stopped { throw stopped }
        return InferenceResult(planarRGB: output, height: oh, width: ow, work: work, multiplyAdds: multiplyAdds,
                               masks: maskBits.map { SpatialMask(height: h, width: w, bits: $0) },
                               stages: stages, trace: nil)
    }
}
