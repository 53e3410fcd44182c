import Foundation
import Imaging
import SMSR
import UpscaleService

/// The shared test material beside the repository, and the official model loaded once.
enum SharedData {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared")

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(relative))) }

    /// The flow the service runs, on this machine's cores with the widest kernels.
    static func flow(_ model: LoadedModel) -> UpscaleFlow {
        UpscaleFlow(model: model, options: EngineSettings().inferenceOptions(threads: CPUAllowance.cores))
    }

    static let officialModel: LoadedModel = {
        do {
            return try ModelLoading.load(path: url("models/smsr_x2_official.safetensors").path, scale: 2)
        } catch {
            fatalError("the official weights in ../shared must load: \(error)")
        }
    }()
}
