import ArgumentParser
import Foundation
import Imaging
import SMSR
import UpscaleService

struct Upscale: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Upscale one PNG or JPEG image.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Output format: png or jpeg (default: the input's).")
    var format: ImageFormat?

    @Option(help: "JPEG quality, 1-100.")
    var quality: Int = 90

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    @Option(help: ArgumentHelp("Also write the float32 planar RGB output, before clamping, to this file.", visibility: .hidden))
    var rawOutput: String?

    @Argument(help: "The image to upscale.")
    var input: String

    @Argument(help: "Where to write the result.")
    var output: String

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be between 1 and 100") }
    }

    func run() throws {
        let pipeline = UpscalePipeline(model: try model.load())
        let bytes = try CommandInput.read(input)
        let outcome = try pipeline.upscale(encoded: bytes, format: format ?? ImageFormat(fileName: output), quality: quality)
        try Data(outcome.bytes).write(to: URL(fileURLWithPath: output))
        if let rawOutput {
            try outcome.inference.planarRGB.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: rawOutput)) }
        }
        print(json ? try JSONText.line(outcome.report.json) : outcome.report.summary)
    }
}

extension ImageFormat: ExpressibleByArgument {}
