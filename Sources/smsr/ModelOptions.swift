import ArgumentParser
import UpscaleService

/// The model choice shared by the subcommands.
struct ModelOptions: ParsableArguments {
    @Option(help: "A safetensors weight file, or embedded:xN for a model built in (default: the embedded model for --scale).")
    var model: String?

    @Option(help: "Upscaling factor; must match --model when both are given.")
    var scale: Int?

    func load() throws(CommandFailure) -> LoadedModel {
        do {
            return try ModelLoading.load(path: model, scale: scale)
        } catch {
            throw .model(error)
        }
    }
}
