import ArgumentParser
import Foundation
import Imaging
import SMSR
import UpscaleService

struct Upscale: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upscale one PNG, JPEG or WebP image.",
        discussion: "The output file's extension (.png, .jpg or .jpeg, .webp) decides its format; --format may say "
            + "the same, or name one for a file without a known extension. Errors name the file and exit with a "
            + "sysexits.h status: 64 usage, 65 unreadable image or model, 66 missing input, 69 no such embedded "
            + "model, 73 output not writable, 78 bad SMSR_ variable.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Output format: png, jpeg or webp (default: the output file's extension).")
    var format: ImageFormat?

    @Option(help: "JPEG and lossy WebP quality, 1-100.")
    var quality: Int = OutputEncoding.defaultQuality

    @Flag(help: "Lossless WebP.")
    var lossless = false

    @Flag(help: "Print the report as one JSON object (the keys of POST /v1/analyze).")
    var json = false

    @Option(help: ArgumentHelp("Also write the float32 planar RGB output, before clamping, to this file.", visibility: .hidden))
    var rawOutput: String?

    @Argument(help: "The image to upscale.")
    var input: String

    @Argument(help: "Where to write the result; its extension decides the format.")
    var output: String

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be between 1 and 100") }
        let named = ImageFormat(fileName: output)
        if let format, let named, format != named {
            throw ValidationError("\(output) names a \(named.rawValue) file, but --format is \(format.rawValue)")
        }
        guard let chosen = format ?? named else {
            throw ValidationError("\(output): unknown extension; use .png, .jpg, .jpeg or .webp (or --format)")
        }
        if lossless, chosen != .webp {
            throw ValidationError("--lossless is for WebP output (PNG always is lossless, JPEG never)")
        }
    }

    func run() throws {
        try reporting { () throws(CommandFailure) in
            let engine = try CommandInput.engine()
            let loaded = try model.load()
            let bytes = try CommandInput.read(input)
            let encoding = OutputEncoding(format: format ?? ImageFormat(fileName: output) ?? .png, quality: quality, lossless: lossless)
            let flow = UpscaleFlow(model: loaded, options: engine.inferenceOptions(threads: CPUAllowance.cores))
            var stopwatch = Stopwatch()
            let outcome: UpscaleOutcome
            do throws(UpscaleFlow.Failure) {
                outcome = try flow.run(bytes, encoding: encoding, stopwatch: &stopwatch)
            } catch {
                throw .image(error, input: input, output: output)
            }
            do throws(FileBytes.Failure) {
                try FileBytes.write(outcome.encoded, to: output)
                if let rawOutput {
                    try FileBytes.write(outcome.inference.planarRGB.withUnsafeBytes { Array($0) }, to: rawOutput)
                }
            } catch {
                throw .writing(error)
            }
            let report = outcome.report(totalMilliseconds: stopwatch.elapsedMilliseconds)
            print(json ? JSONText.line(encoding: report) : report.summary)
        }
    }
}

extension ImageFormat: ExpressibleByArgument {}
