import Foundation
import Testing
@testable import UpscaleService

/// Which models a service serves: every embedded one by default, `embedded:xN` and files mixed.
@Suite struct ModelCatalogTests {
    @Test func withoutModelsEveryEmbeddedOneIsLoaded() throws {
        let catalog = try ModelCatalog.load(paths: [], defaultScale: nil)
        #expect(catalog.scales == EmbeddedModels.scales)
        #expect(catalog.models.allSatisfy { $0.source == "embedded:x\($0.scale)" })
        #expect(catalog.defaultScale == 2)
        let four = try ModelCatalog.load(paths: [], defaultScale: 4)
        #expect(four.defaultScale == 4)
    }

    @Test func embeddedNamesAndFilesMix() throws {
        let official = SharedData.url("models/smsr_x2_official.safetensors").path
        let scales = EmbeddedModels.scales.filter { $0 != 2 }
        let catalog = try ModelCatalog.load(paths: [official] + scales.map { "embedded:x\($0)" }, defaultScale: nil)
        #expect(catalog.scales == [2] + scales)
        #expect(catalog.model(scale: 2)?.source == official)
        #expect(catalog.listing.models.first?.source == "smsr_x2_official.safetensors", "a file is listed by its name")
    }

    @Test func unusableNamesAreClearErrors() {
        func failure(_ paths: [String], defaultScale: Int? = nil) -> String {
            do {
                _ = try ModelCatalog.load(paths: paths, defaultScale: defaultScale)
                return ""
            } catch {
                return error.description
            }
        }
        #expect(failure(["embedded:x9"]).contains("no embedded default model for scale 9"))
        #expect(failure(["embedded:4"]).contains("embedded:xN"))
        #expect(failure(["embedded:x2", "embedded:x2"]).contains("two models for scale 2"))
        #expect(failure(["/nonexistent/weights.safetensors"]).contains("/nonexistent/weights.safetensors: No such file or directory"))
        #expect(failure([], defaultScale: 9).contains("no model for the default scale 9"))
    }

    @Test func eachLoadedScaleIsServed() async throws {
        let models = try [SharedData.officialModel] + EmbeddedModels.scales.filter { $0 != 2 }.map { scale in try ModelLoading.loadEmbedded(scale: scale) }
        let harness = try ServiceHarness(models: models)
        let ready = try Curl.run([harness.url("/readyz")]).json()
        #expect(ready["scales"] as? [Int] == models.map(\.scale))
        let file = try TestImages.file(size: 12)
        for model in models {
            let reply = try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(file)",
                                      harness.url("/v1/upscale?scale=\(model.scale)")])
            #expect(reply.status == 200, "x\(model.scale): \(reply.text)")
            #expect(reply.headers["smsr-scale"] == "\(model.scale)" && reply.headers["smsr-output-size"] == "\(12 * model.scale)x\(12 * model.scale)")
        }
        await harness.stop()
    }
}
