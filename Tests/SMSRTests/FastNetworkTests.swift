import Foundation
import Testing
@testable import SMSR

/// The whole network on the fast kernels: golden crops on every instruction set, outputs independent of the
/// thread count, the reference path still selectable, and tiling.
@Suite struct FastNetworkTests {
    static let instructionSets = InstructionSet.allCases.filter(\.isSupported)

    static func crop(_ id: String = "crop_baby_64x64", _ h: Int = 64, _ w: Int = 64) throws -> [Float] {
        try TestImages.planarRGB(png: "reference/\(id)_lr.png", height: h, width: w)
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test(arguments: instructionSets)
    func goldenCropOnEachInstructionSet(_ set: InstructionSet) throws {
        let kernels = try #require(SIMDKernels(set))
        let result = SharedData.officialNetwork.run(planarRGB: try Self.crop(), height: 64, width: 64,
                                                    options: InferenceOptions(backend: Backend(vector: kernels), threads: 2))
        let golden = try SharedData.floats("reference/crop_baby_64x64_sr.f32")
        #expect(Self.maxDifference(result.planarRGB, golden) <= 1e-3)
        #expect(result.masks.flatMap(\.bits) == (try SharedData.bytes("reference/crop_baby_64x64_masks.u8")))
    }

    @Test func referenceKernelsRemainSelectable() throws {
        let options = InferenceOptions(backend: .reference, threads: 1)
        let result = SharedData.officialNetwork.run(planarRGB: try Self.crop("crop_butterfly_48x40", 40, 48),
                                                    height: 40, width: 48, options: options)
        let golden = try SharedData.floats("reference/crop_butterfly_48x40_sr.f32")
        #expect(Self.maxDifference(result.planarRGB, golden) <= 1e-3)
        #expect(Backend.named("reference")?.name == "reference")
    }

    @Test(arguments: instructionSets)
    func outputDoesNotDependOnTheThreadCount(_ set: InstructionSet) throws {
        let kernels = try #require(SIMDKernels(set))
        // An odd size, so chunks and position blocks end unevenly.
        let image = try TestImages.image("reference/crop_baby_64x64_lr.png").cropped(x: 3, y: 1, width: 61, height: 57)
        let outputs = [1, 2, 3].map { threads in
            SharedData.officialNetwork.run(planarRGB: image.planarRGB(), height: 57, width: 61,
                                           options: InferenceOptions(backend: Backend(vector: kernels), threads: threads)).planarRGB
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0] == outputs[2])
    }

    /// Without a trace the fast network takes each mask straight from the transposed conv's phases instead of the
    /// interleaved logits: the same masks and output, on odd sizes (a last row and column no phase covers) and sizes
    /// under two pixels (no logits at all).
    @Test(arguments: instructionSets, [(57, 61), (64, 64), (1, 1), (3, 2), (2, 7)])
    func masksWithoutTraceEqualMasksFromLogits(_ set: InstructionSet, _ size: (Int, Int)) throws {
        let kernels = try #require(SIMDKernels(set))
        let (h, w) = size
        let image = try TestImages.image("reference/crop_baby_64x64_lr.png").cropped(x: 0, y: 0, width: w, height: h)
        let plain = SharedData.officialNetwork.run(planarRGB: image.planarRGB(), height: h, width: w,
                                                   options: InferenceOptions(backend: Backend(vector: kernels), threads: 2))
        let traced = SharedData.officialNetwork.run(planarRGB: image.planarRGB(), height: h, width: w,
                                                    options: InferenceOptions(backend: Backend(vector: kernels), threads: 2, collectTrace: true))
        #expect(plain.masks == traced.masks)
        #expect(plain.planarRGB == traced.planarRGB)
        #expect(traced.trace?.maskLogits.count == 5)
    }

    /// Runs reuse the large maps' storage of earlier runs, of other sizes too, without their values leaking into the
    /// result: a run after runs of other sizes gives the same bits as on a fresh network, and the kept storage
    /// stays within its limit.
    @Test func keptStorageDoesNotChangeResults() throws {
        let file = try SafeTensorsFile(contentsOf: SharedData.officialX2)
        let network = SMSRNetwork(weights: try WeightSet(file: file))
        #expect(network.storage.bytes == 0)
        let image = try TestImages.image("reference/crop_baby_64x64_lr.png")
        let small = image.cropped(x: 0, y: 0, width: 23, height: 17)
        let options = InferenceOptions(threads: 2)
        let first = network.run(planarRGB: image.planarRGB(), height: 64, width: 64, options: options).planarRGB
        let kept = network.storage.bytes
        #expect(kept > 0 && kept <= network.storage.limitBytes)
        _ = network.run(planarRGB: small.planarRGB(), height: 17, width: 23, options: options)
        let again = network.run(planarRGB: image.planarRGB(), height: 64, width: 64, options: options).planarRGB
        let fresh = SMSRNetwork(weights: try WeightSet(file: file))
            .run(planarRGB: image.planarRGB(), height: 64, width: 64, options: options).planarRGB
        #expect(again == first)
        #expect(fresh == first)
        // Storage the small run took fresh (kept storage was many times its maps) may stay kept beside the large maps'.
        let keptAgain = network.storage.bytes
        #expect(keptAgain >= kept && keptAgain <= network.storage.limitBytes)
        _ = network.run(planarRGB: image.planarRGB(), height: 64, width: 64, options: options)
        #expect(network.storage.bytes == keptAgain, "a run of the same size keeps the same storage")
    }

    /// The multiply-adds reported as done take out exactly what Winograd's forms leave out of the paper's count, worked
    /// out here by hand for a 64x64 input of the official model (per convolution: 9 multiply-adds per pixel, input and
    /// output directly; (m+2)(n+2) per m x n block in Winograd's form): head 3x3 64->64 in 2x4 blocks (4,096 pixels, 512
    /// blocks): (36,864 - 12,288) * 4,096; fusion in 4x4 blocks (256): (36,864 - 9,216) * 4,096; x2 tail 64->12 in 4x4:
    /// 27,648 * 768; five joint first convolutions of 16 + d0 outputs (d0 = 24, 16, 16, 3, 14; 153 in all) in 2x4 blocks
    /// (512): (36,864 - 12,288) * 64 * 153; five mask generator refine convs 16->16 on 32x32 in 2x2: 5 * 5,120 * 256. The
    /// masked passes' tiles of m neighbouring pixels (F(m, 3) along the row: 3 (m + 2) where the taps take 9 per stored
    /// output) leave out 6 and 18 times the paper's count of a masked pixel's work per tap, 64 * s_in + s_out * d_in, in
    /// each layer, per tile of 2 and 4 of the block's mask, and 9 per tile of 4 storing 3.
    @Test func multiplyAddsLeaveOutWhatWinogradSaves() throws {
        let input = try Self.crop()
        var kernels = try #require(SIMDKernels(InstructionSet.allCases.first(where: \.isSupported) ?? .avx2))
        let network = SharedData.officialNetwork
        let winograd = network.run(planarRGB: input, height: 64, width: 64, options: InferenceOptions(backend: Backend(vector: kernels)))
        var pairs = 0
        for (block, mask) in zip(network.blocks, winograd.masks) {
            let perTap = block.splits.indices.reduce(0) { sum, i in
                let denseIn = i == 0 ? 64 : block.splits[i - 1].dense.count
                return sum + 64 * (64 - denseIn) + block.splits[i].sparse.count * denseIn
            }
            let tiles = RowPairCount.tiles(in: mask, sizes: RowPairWeights.tileSizes)
            #expect(tiles.values.reduce(0, +) > 0)
            for (tile, count) in tiles {
                // Stored outputs: 9 multiply-adds each directly; the tile's components: 3 each.
                let perTile = switch (tile.size, tile.stored) {
                case (2, 2): 6
                case (4, 4): 18
                case (4, 3): 9
                default: Int.min
                }
                pairs += perTap * perTile * count
            }
        }
        let saved = 24_576 * 4_096 + 27_648 * 4_096 + 27_648 * 768 + 24_576 * 64 * 153 + 5 * 5_120 * 256 + pairs
        #expect(winograd.work.executed - winograd.multiplyAdds == saved)
        kernels.usesWinograd = false
        let direct = SharedData.officialNetwork.run(planarRGB: input, height: 64, width: 64,
                                                    options: InferenceOptions(backend: Backend(vector: kernels)))
        #expect(direct.work == winograd.work && direct.multiplyAdds == direct.work.executed)
        #expect(Self.maxDifference(direct.planarRGB, winograd.planarRGB) <= 1e-3)
    }

    @Test func denseNetworkRunsOnTheFastKernels() throws {
        let input = try Self.crop()
        let fast = SharedData.officialNetwork.run(planarRGB: input, height: 64, width: 64,
                                                  options: InferenceOptions(masks: .allOnes, threads: 2))
        let reference = SharedData.officialNetwork.run(planarRGB: input, height: 64, width: 64,
                                                       options: InferenceOptions(masks: .allOnes, backend: .reference))
        #expect(Self.maxDifference(fast.planarRGB, reference.planarRGB) <= 1e-3)
        #expect(fast.work == reference.work)
    }

    @Test func tilePlansPartitionTheImageOnEvenBoundaries() {
        for (h, w, size) in [(64, 64, 24), (57, 61, 16), (5, 300, 64), (100, 33, 200)] {
            let plan = TilePlan(height: h, width: w, channels: 64, scale: 2, tiling: .tiles(size, overlap: 8))
            var covered = [Int](repeating: 0, count: h * w)
            for tile in plan.tiles {
                for y in tile.core.y { for x in tile.core.x { covered[y * w + x] += 1 } }
                #expect(tile.padded.y.lowerBound % 2 == 0 && tile.padded.x.lowerBound % 2 == 0)
                #expect(tile.padded.y.upperBound == h || tile.padded.y.upperBound % 2 == 0)
                #expect(tile.padded.x.upperBound == w || tile.padded.x.upperBound % 2 == 0)
                #expect(tile.padded.y.contains(tile.core.y.lowerBound) && tile.padded.y.upperBound >= tile.core.y.upperBound)
            }
            #expect(covered.allSatisfy { $0 == 1 })
        }
        // Under the default budget a 640x360 image runs whole, a 1920x1080 one in tiles.
        #expect(TilePlan(height: 360, width: 640, channels: 64, scale: 2, tiling: .automatic).tiles.count == 1)
        #expect(TilePlan(height: 1080, width: 1920, channels: 64, scale: 2, tiling: .automatic).tiles.count > 1)
    }

    @Test func tiledOutputStaysCloseToTheWholeImage() throws {
        let input = try Self.crop()
        let whole = SharedData.officialNetwork.run(planarRGB: input, height: 64, width: 64,
                                                   options: InferenceOptions(threads: 2))
        let tiled = SharedData.officialNetwork.run(planarRGB: input, height: 64, width: 64,
                                                   options: InferenceOptions(threads: 2, tiling: .tiles(32)))
        #expect(tiled.height == 128 && tiled.width == 128)
        var squared = 0.0
        for (a, b) in zip(whole.planarRGB, tiled.planarRGB) { squared += Double((a - b) * (a - b)) }
        let psnr = 10 * log10(255 * 255 / (squared / Double(whole.planarRGB.count)))
        #expect(psnr > 40, "tiled vs whole PSNR \(psnr) dB")
        #expect(tiled.masks.count == whole.masks.count && tiled.masks[0].height == 64)
        #expect(tiled.work.executed > whole.work.executed, "the overlap is computed twice")
    }
}
