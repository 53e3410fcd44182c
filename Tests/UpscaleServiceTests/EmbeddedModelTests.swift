import Foundation
import Imaging
import Testing
@testable import UpscaleService

/// The default models compiled into the binary: present, identical to Models/, loadable, and able to upscale.
@Suite struct EmbeddedModelTests {
    static let modelsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Models")

    /// The scales Models/ ships a weight file for.
    static var shippedScales: [Int] {
        [2, 3, 4].filter { FileManager.default.fileExists(atPath: modelsFolder.appendingPathComponent("smsr_x\($0).safetensors").path) }
    }

    @Test func everyShippedModelIsEmbeddedByteForByte() throws {
        #expect(Self.shippedScales.contains(2), "Models/ must ship the x2 default")
        #expect(EmbeddedModels.scales == Self.shippedScales)
        #expect(EmbeddedModels.defaultScale == 2)
        for scale in Self.shippedScales {
            let file = try Data(contentsOf: Self.modelsFolder.appendingPathComponent("smsr_x\(scale).safetensors"))
            let embedded = try ModelLoading.loadEmbedded(scale: scale)
            #expect(embedded.sha256 == SHA256.hex([UInt8](file)), "x\(scale) embedded bytes differ from Models/")
            #expect(embedded.source == "embedded:x\(scale)" && embedded.scale == scale)
            #expect(embedded.metadata["scale"] == "\(scale)")
        }
    }

    @Test func eachEmbeddedModelUpscales() throws {
        let input = try ImageCodec.decode(SharedData.bytes("datasets/Set5/LR_bicubic/X2/bird.png")).image
            .converted(to: .rgb).cropped(x: 30, y: 30, width: 24, height: 18)
        for scale in EmbeddedModels.scales {
            let flow = SharedData.flow(try ModelLoading.load(path: nil, scale: scale))
            let (output, inference) = flow.upscale(input)
            #expect(output.width == 24 * scale && output.height == 18 * scale)
            #expect(inference.work.executed > 0 && inference.work.executed <= inference.work.dense)
        }
    }

    @Test func noModelAndNoEmbeddedScaleIsAClearError() {
        // x2, x3 and x4 ship; x5 never does.
        let missing = [2, 3, 4, 5].first { !EmbeddedModels.scales.contains($0) }!
        #expect(throws: ModelLoadingError.self) { try ModelLoading.load(path: nil, scale: missing) }
        do {
            _ = try ModelLoading.load(path: nil, scale: missing)
        } catch {
            #expect(error.description.contains("--model"))
        }
    }
}
