import ArgumentParser
import UpscaleService

@main
struct SMSRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smsr",
        abstract: "Image super-resolution with sparse masks (SMSR) on CPUs.",
        version: ServiceVersion.current,
        subcommands: [Upscale.self, Eval.self, Info.self, Serve.self, Healthcheck.self, Bench.self, BenchKernels.self]
    )
}
