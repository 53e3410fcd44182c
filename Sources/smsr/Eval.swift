import ArgumentParser
import Foundation
import SMSR
import UpscaleService

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a model on a benchmark dataset (PSNR_Y and SSIM_Y, the official test protocol).",
        discussion: "Each LR image must be its HR image downscaled by --scale (HR cut to a multiple of the scale): "
            + "a pair that is not is refused (exit 65), as is a folder of another factor.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Directory of high-resolution ground-truth images.")
    var hr: String

    @Option(help: "Directory of low-resolution inputs (names match --hr, optionally with an xN suffix).")
    var lr: String

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard model.scale != nil else { throw ValidationError("--scale is required") }
    }

    func run() throws {
        try reporting { () throws(CommandFailure) in
            let engine = try CommandInput.engine()
            let loaded = try model.load()
            let evaluation = DatasetEvaluation(flow: UpscaleFlow(model: loaded, options: engine.inferenceOptions(threads: CPUAllowance.cores)))
            let scores: [DatasetEvaluation.ImageScore]
            do throws(DatasetEvaluation.Failure) {
                let pairs = try DatasetEvaluation.pairs(hr: URL(fileURLWithPath: hr), lr: URL(fileURLWithPath: lr), scale: loaded.scale)
                var progress = ProgressBar(total: pairs.count, label: "eval")
                var scored: [DatasetEvaluation.ImageScore] = []
                for pair in pairs {
                    progress.update(done: scored.count, item: pair.name)
                    scored.append(try evaluation.score(pair))
                }
                progress.finish()
                scores = scored
            } catch {
                switch error {
                case .unreadableDirectory, .noPairs: throw CommandFailure(error.description, .noInput)
                case .image, .sizeMismatch: throw CommandFailure(error.description, .dataError)
                }
            }
            print(Self.text(scores, scale: loaded.scale, source: loaded.source, json: json))
        }
    }

    static func text(_ scores: [DatasetEvaluation.ImageScore], scale: Int, source: String, json: Bool) -> String {
        let meanPSNR = scores.map(\.psnrY).reduce(0, +) / Double(scores.count)
        let meanSSIM = scores.map(\.ssimY).reduce(0, +) / Double(scores.count)
        let dense = scores.map(\.work.dense).reduce(0, +)
        let executed = scores.map(\.work.executed).reduce(0, +)
        if json {
            let images: [[String: Any]] = scores.map {
                ["name": $0.name, "psnr_y": $0.psnrY, "ssim_y": $0.ssimY,
                 "flops_dense": $0.work.dense, "flops_executed": $0.work.executed, "mask_density": $0.maskDensity]
            }
            return (try? JSONText.line([
                "scale": scale, "model": source, "mean_psnr_y": meanPSNR, "mean_ssim_y": meanSSIM,
                "flops_dense": dense, "flops_executed": executed, "images": images,
            ] as [String: Any])) ?? "{}"
        }
        var lines = scores.map { s in
            s.name.padding(toLength: max(12, s.name.count), withPad: " ", startingAt: 0)
                + String(format: " PSNR_Y %.3f dB  SSIM_Y %.4f  FLOPs executed/dense %.3f", s.psnrY, s.ssimY,
                         Double(s.work.executed) / Double(s.work.dense))
        }
        lines.append(String(format: "mean (%d images, x%d): PSNR_Y %.3f dB  SSIM_Y %.4f  FLOPs executed/dense %.3f",
                            scores.count, scale, meanPSNR, meanSSIM, Double(executed) / Double(dense)))
        return lines.joined(separator: "\n")
    }
}
