/// `POST /v1/analyze`: what upscaling the image costs and saves, as JSON.
struct AnalysisDocument: Encodable {
    struct Size: Encodable {
        var width: Int
        var height: Int
    }

    struct Block: Encodable {
        var index: Int
        /// Fraction of pixels where the block computed its sparse channels.
        var mask_density: Double
    }

    var request_id: String
    var scale: Int
    var input: Size
    var output: Size
    var flops_dense: Int
    var flops_executed: Int
    /// 1 - executed / dense, 4 decimals, as in the `SMSR-FLOPs-Saved` header.
    var flops_saved: Double
    var blocks: [Block]
    /// Stage timings in milliseconds: queue, decode, infer, total, and the network's own stages.
    var timings_ms: [String: Double]

    init(requestID: String, result: JobResult, totalMs: Double) {
        request_id = requestID
        scale = result.scale
        input = Size(width: result.input.width, height: result.input.height)
        output = Size(width: result.output.width, height: result.output.height)
        flops_dense = result.work.dense
        flops_executed = result.work.executed
        flops_saved = (result.work.savedFraction * 10_000).rounded() / 10_000
        blocks = result.inference.maskDensity.enumerated().map { Block(index: $0.offset, mask_density: $0.element) }
        var timings: [String: Double] = [:]
        for stage in result.stages { timings[stage.name] = Self.rounded(stage.ms) }
        for (stage, ms) in result.inference.stages { timings["infer.\(stage.rawValue)"] = Self.rounded(ms) }
        timings["total"] = Self.rounded(totalMs)
        timings_ms = timings
    }

    private static func rounded(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }
}
