import Foundation
import Testing
@testable import SMSR

/// Scale-generic parts of the network (tail, pixel shuffle, bicubic skip) and odd input sizes.
@Suite struct NetworkShapeTests {
    static let mean: [Float] = [0.4488, 0.4371, 0.4040].map { 255 * $0 }

    /// A model whose convolutions are all zero except the tail bias, so the output is exactly
    /// `pixelShuffle(tail bias) + bicubic(x - mean) + mean`.
    static func transparentModel(scale: Int) throws -> SMSRNetwork {
        let tensors = SafeTensorsBuilder.model(scale: scale) { name, n in
            switch name {
            case "sub_mean.weight", "add_mean.weight": [1, 0, 0, 0, 1, 0, 0, 0, 1]
            case "sub_mean.bias": mean.map { -$0 }
            case "add_mean.bias": mean
            case "tail.0.bias": (0..<n).map { Float($0) * 0.5 }
            default: [Float](repeating: 0, count: n)
            }
        }
        return SMSRNetwork(weights: try WeightSet(tensors: tensors))
    }

    /// PyTorch's bicubic (a = -0.75, align_corners = false, clamped indices), straight from the 2-D formula.
    static func bicubic(_ plane: [Float], h: Int, w: Int, s: Int, y: Int, x: Int) -> Double {
        func taps(_ dst: Int, _ n: Int) -> [(Int, Double)] {
            let src = (Double(dst) + 0.5) / Double(s) - 0.5
            let base = Int(src.rounded(.down))
            let t = src - Double(base)
            return (-1...2).map { k in (min(max(base + k, 0), n - 1), BicubicUpsampling.cubic(Double(k) - t)) }
        }
        var sum = 0.0
        for (iy, wy) in taps(y, h) {
            for (ix, wx) in taps(x, w) { sum += wy * wx * Double(plane[iy * w + ix]) }
        }
        return sum
    }

    @Test(arguments: [2, 3, 4])
    func tailShuffleAndBicubicSkip(_ scale: Int) throws {
        let network = try Self.transparentModel(scale: scale)
        let (h, w) = (7, 10)
        var random = SplitMix64(seed: UInt64(scale))
        let input = random.floats(3 * h * w, in: 0...255)
        let result = network.run(planarRGB: input, height: h, width: w)
        #expect(result.height == h * scale && result.width == w * scale)
        let (oh, ow) = (h * scale, w * scale)
        var worst = 0.0
        for c in 0..<3 {
            let shifted = input[(c * h * w)..<((c + 1) * h * w)].map { $0 - Self.mean[c] }
            for y in 0..<oh {
                for x in 0..<ow {
                    let (i, j) = (y % scale, x % scale)
                    let shuffle = Double(c * scale * scale + scale * i + j) * 0.5
                    let expected = shuffle + Self.bicubic(shifted, h: h, w: w, s: scale, y: y, x: x) + Double(Self.mean[c])
                    worst = max(worst, abs(expected - Double(result.planarRGB[(c * oh + y) * ow + x])))
                }
            }
        }
        #expect(worst < 1e-3, "max abs diff \(worst)")
    }

    @Test func oddSizesLeaveTheUncoveredMaskEdgeEmpty() throws {
        let (h, w) = (33, 47)
        let image = try TestImages.image("reference/crop_baby_64x64_lr.png").cropped(x: 0, y: 0, width: w, height: h)
        let result = SharedData.officialNetwork.run(planarRGB: image.planarRGB(), height: h, width: w)
        #expect(result.height == 66 && result.width == 94)
        #expect(result.planarRGB.allSatisfy { $0.isFinite })
        for mask in result.masks {
            #expect(mask.height == h && mask.width == w)
            #expect((0..<w).allSatisfy { !mask[h - 1, $0] }, "last row must be 0")
            #expect((0..<h).allSatisfy { !mask[$0, w - 1] }, "last column must be 0")
            #expect(mask.count > 0, "the covered part still has masked pixels")
        }
    }

    @Test func tinyInputsRun() throws {
        for (h, w) in [(1, 1), (1, 5), (2, 2), (3, 2)] {
            var random = SplitMix64(seed: UInt64(h * 10 + w))
            let result = SharedData.officialNetwork.run(planarRGB: random.floats(3 * h * w, in: 0...255), height: h, width: w)
            #expect(result.height == 2 * h && result.width == 2 * w && result.planarRGB.allSatisfy { $0.isFinite })
        }
    }
}
