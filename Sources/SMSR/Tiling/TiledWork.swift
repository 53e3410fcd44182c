/// What running an image under a tiling costs, from its size alone: how many tiles and how many pixels the
/// network runs on, context included.
public struct TiledWork: Sendable, Equatable {
    public let tileCount: Int
    public let paddedPixels: Int
    /// Padded pixels over the image's pixels: 1 for one tile.
    public let overhead: Double
}

extension SMSRNetwork {
    /// The tiles `run` would cut a `height` x `width` image into, and the pixels it would run on.
    public func tiledWork(height: Int, width: Int, tiling: Tiling) -> TiledWork {
        let plan = TilePlan(height: height, width: width, channels: channels, scale: scale, tiling: tiling)
        return TiledWork(tileCount: plan.layout.tileCount, paddedPixels: plan.layout.paddedPixels, overhead: plan.overhead)
    }

    /// `run`, asking `checkpoint` before each tile: stops there, with `RunStopped`, when it says so.
    public func run(planarRGB input: [Float], height: Int, width: Int, options: InferenceOptions = InferenceOptions(),
                    checkpoint: TileCheckpoint) throws(RunStopped) -> InferenceResult {
        precondition(input.count == 3 * height * width && height > 0 && width > 0, "input must be 3 non-empty planes")
        let plan = TilePlan(height: height, width: width, channels: channels, scale: scale, tiling: options.tiling)
        if plan.layout.tileCount == 1 {
            if checkpoint.shouldStop(0, 1) { throw RunStopped(completedTiles: 0, tileCount: 1) }
            return forward(planarRGB: input, height: height, width: width, options: options)
        }
        return try TiledRun(plan: plan).run(network: self, planarRGB: input, options: options, checkpoint: checkpoint)
    }
}
