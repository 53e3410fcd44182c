import ArgumentParser
import Foundation
import UpscaleService

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the default models built into this binary.")

    @Flag(help: "Print the list as JSON.")
    var json = false

    func run() throws {
        var models: [LoadedModel] = []
        for scale in EmbeddedModels.scales {
            models.append(try ModelLoading.loadEmbedded(scale: scale))
        }
        if json {
            let list: [[String: Any]] = models.map {
                ["scale": $0.scale, "parameters": $0.parameterCount, "source": $0.source, "sha256": $0.sha256,
                 "metadata": $0.metadata, "default": $0.scale == EmbeddedModels.defaultScale]
            }
            print(try JSONText.line(["models": list]))
            return
        }
        if models.isEmpty {
            print("no embedded models in this build; pass --model FILE.safetensors")
        }
        for model in models {
            let marker = model.scale == EmbeddedModels.defaultScale ? " (default)" : ""
            print("x\(model.scale)\(marker): \(model.parameterCount) parameters, sha256 \(model.sha256)")
            for (key, value) in model.metadata.sorted(by: { $0.key < $1.key }) { print("    \(key): \(value)") }
        }
    }
}
