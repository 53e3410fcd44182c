import Foundation
import Testing
@testable import SMSR

/// The engine against golden outputs of the official implementation on two small crops.
@Suite struct GoldenCropTests {
    struct Crop: Sendable, CustomStringConvertible {
        let id: String
        let height: Int
        let width: Int
        var description: String { id }
    }

    static let crops = [Crop(id: "crop_baby_64x64", height: 64, width: 64), Crop(id: "crop_butterfly_48x40", height: 40, width: 48)]

    func run(_ crop: Crop) throws -> InferenceResult {
        let input = try TestImages.planarRGB(png: "reference/\(crop.id)_lr.png", height: crop.height, width: crop.width)
        return SharedData.officialNetwork.run(planarRGB: input, height: crop.height, width: crop.width,
                                              options: InferenceOptions(collectTrace: true))
    }

    @Test(arguments: crops)
    func outputMatchesOfficialFloats(_ crop: Crop) throws {
        let result = try run(crop)
        let golden = try SharedData.floats("reference/\(crop.id)_sr.f32")
        #expect(result.height == 2 * crop.height && result.width == 2 * crop.width)
        #expect(golden.count == result.planarRGB.count)
        let maxDiff = zip(golden, result.planarRGB).map { abs($0 - $1) }.max() ?? .infinity
        #expect(maxDiff <= 1e-3, "max abs diff \(maxDiff)")
    }

    @Test(arguments: crops)
    func masksEqualOfficialMasks(_ crop: Crop) throws {
        let result = try run(crop)
        let golden = try SharedData.bytes("reference/\(crop.id)_masks.u8")
        let ours = result.masks.flatMap(\.bits)
        #expect(ours.count == golden.count)
        #expect(ours == golden)
    }

    @Test(arguments: crops)
    func intermediatesMatch(_ crop: Crop) throws {
        let result = try run(crop)
        let trace = try #require(result.trace)
        let blocks = try SharedData.floats("reference/\(crop.id)_block_out.f32")
        let ours = trace.blockOutputs.flatMap { $0.planar() }
        #expect(ours.count == blocks.count)
        let blockDiff = zip(ours, blocks).map { abs($0 - $1) }.max() ?? .infinity
        #expect(blockDiff <= 1e-3, "block outputs max abs diff \(blockDiff)")
        let skip = try SharedData.floats("reference/\(crop.id)_bicubic_skip.f32")
        let skipDiff = zip(trace.bicubicSkip, skip).map { abs($0 - $1) }.max() ?? .infinity
        #expect(trace.bicubicSkip.count == skip.count && skipDiff <= 1e-4, "bicubic skip max abs diff \(skipDiff)")
    }

    @Test(arguments: crops)
    func workEqualsManifest(_ crop: Crop) throws {
        let result = try run(crop)
        let manifest = try SharedData.manifest()
        let entry = try #require((manifest["golden_crops"] as? [[String: Any]])?.first { $0["id"] as? String == crop.id })
        #expect(result.work.dense == (entry["macs_dense"] as? Int))
        #expect(result.work.executed == (entry["macs_sparse"] as? Int))
        #expect(result.masks.map(\.count) == (entry["mask_ones_per_block"] as? [Int]))
    }
}
