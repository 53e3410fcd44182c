import Foundation
import Imaging
import SMSR

/// What one upscale did and cost: sizes, scale, multiply-accumulates dense, executed and saved, each
/// block's mask density, and the time of each stage. The one description of an upscale: `smsr upscale
/// --json` prints it, `POST /v1/analyze` answers with it, and the image routes' `SMSR-*` and
/// `Server-Timing` headers are made from it.
public struct UpscaleReport: Sendable, Encodable {
    public struct Size: Sendable, Encodable, Equatable {
        public let width: Int
        public let height: Int

        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }

        public var text: String { "\(width)x\(height)" }
    }

    public struct Block: Sendable, Encodable {
        public let index: Int
        /// Fraction of pixels where the block computed its sparse channels.
        public let maskDensity: Double

        enum CodingKeys: String, CodingKey {
            case index
            case maskDensity = "mask_density"
        }
    }

    public let input: Size
    public let output: Size
    public let scale: Int
    /// The format written; for `/v1/analyze`, which writes nothing, the input's.
    public let format: ImageFormat
    public let work: WorkCount
    public let blocks: [Block]
    /// The stages in order (queue in the service, decode, infer, encode when there was something to
    /// encode), then `total`.
    public let laps: [Stopwatch.Lap]
    /// The network's own stages inside `infer` (head, mask, smb, collect, tail).
    public let inferenceStages: [Stopwatch.Lap]
    public let totalMilliseconds: Double

    init(input: Size, output: Size, scale: Int, format: ImageFormat, inference: InferenceResult, laps: [Stopwatch.Lap],
         totalMilliseconds: Double) {
        self.input = input
        self.output = output
        self.scale = scale
        self.format = format
        work = inference.work
        blocks = inference.maskDensity.enumerated().map { Block(index: $0.offset, maskDensity: $0.element) }
        self.laps = laps
        inferenceStages = InferenceStage.allCases.map { .init(name: $0.rawValue, milliseconds: inference.stages[$0] ?? 0) }
        self.totalMilliseconds = totalMilliseconds
    }

    /// 1 - executed / dense to 4 decimals, as in the `SMSR-FLOPs-Saved` header.
    public var flopsSaved: Double { (work.savedFraction * 10_000).rounded() / 10_000 }

    /// Milliseconds by stage: each lap, `infer.<stage>` for the network's own stages, and `total`.
    public var timings: [String: Double] {
        var timings: [String: Double] = [:]
        for lap in laps { timings[lap.name] = Self.rounded(lap.milliseconds) }
        for stage in inferenceStages { timings["infer.\(stage.name)"] = Self.rounded(stage.milliseconds) }
        timings["total"] = Self.rounded(totalMilliseconds)
        return timings
    }

    enum CodingKeys: String, CodingKey {
        case input, output, scale, format, blocks
        case flopsDense = "flops_dense", flopsExecuted = "flops_executed", flopsSaved = "flops_saved"
        case timings = "timings_ms"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(input, forKey: .input)
        try container.encode(output, forKey: .output)
        try container.encode(scale, forKey: .scale)
        try container.encode(format.rawValue, forKey: .format)
        try container.encode(work.dense, forKey: .flopsDense)
        try container.encode(work.executed, forKey: .flopsExecuted)
        try container.encode(flopsSaved, forKey: .flopsSaved)
        try container.encode(blocks, forKey: .blocks)
        try container.encode(timings, forKey: .timings)
    }

    /// The same as one line for a terminal.
    public var summary: String {
        let stages = (laps + [.init(name: "total", milliseconds: totalMilliseconds)])
            .map { "\($0.name) \($0.milliseconds.formatted(decimals: 1))" }.joined(separator: ", ")
        return "\(input.text) -> \(output.text) (x\(scale), \(format.rawValue)); "
            + "FLOPs dense \(work.dense), executed \(work.executed), saved \((100 * work.savedFraction).formatted(decimals: 1))%; "
            + "ms: \(stages)"
    }

    private static func rounded(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }
}
