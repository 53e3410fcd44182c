import Foundation
import Imaging
import SMSR

/// What one upscale did and cost: sizes, multiply-accumulates dense and executed, mask densities, timings.
public struct UpscaleReport: Sendable {
    public let inputWidth: Int
    public let inputHeight: Int
    public let outputWidth: Int
    public let outputHeight: Int
    public let scale: Int
    public let format: ImageFormat
    public let work: WorkCount
    public let maskDensity: [Double]
    /// Pipeline stages (decode, infer, encode) then the network's own stages, in milliseconds.
    public let stages: [(name: String, ms: Double)]

    init(input: Image, output: Image, format: ImageFormat, scale: Int, inference: InferenceResult, timings: [(String, Double)]) {
        inputWidth = input.width
        inputHeight = input.height
        outputWidth = output.width
        outputHeight = output.height
        self.scale = scale
        self.format = format
        work = inference.work
        maskDensity = inference.maskDensity
        let network = InferenceStage.allCases.map { ("infer.\($0.rawValue)", inference.stages[$0] ?? 0) }
        stages = timings.map { (name: $0.0, ms: $0.1) } + network.map { (name: $0.0, ms: $0.1) }
    }

    public var totalMilliseconds: Double {
        stages.filter { !$0.name.hasPrefix("infer.") }.reduce(0) { $0 + $1.ms }
    }

    /// One line for a terminal.
    public var summary: String {
        let stagesText = stages.map { "\($0.name) \(String(format: "%.1f", $0.ms))" }.joined(separator: ", ")
        return "\(inputWidth)x\(inputHeight) -> \(outputWidth)x\(outputHeight) (x\(scale), \(format.rawValue)); "
            + "FLOPs dense \(work.dense), executed \(work.executed), saved \(String(format: "%.1f", 100 * work.savedFraction))%; "
            + "ms: \(stagesText), total \(String(format: "%.1f", totalMilliseconds))"
    }

    /// The same as a JSON object.
    public var json: [String: Any] {
        [
            "input": ["width": inputWidth, "height": inputHeight],
            "output": ["width": outputWidth, "height": outputHeight],
            "scale": scale,
            "format": format.rawValue,
            "flops_dense": work.dense,
            "flops_executed": work.executed,
            "flops_saved": (work.savedFraction * 10000).rounded() / 10000,
            "mask_density": maskDensity,
            "stages_ms": Dictionary(uniqueKeysWithValues: stages.map { ($0.name, ($0.ms * 1000).rounded() / 1000) }),
            "total_ms": (totalMilliseconds * 1000).rounded() / 1000,
        ]
    }
}
