import SMSRCPU
import Testing
@testable import SMSR

/// The masked passes' runs of neighbouring pixels in tiles of 4 and 2 by Winograd's F(m, 3) along the row
/// (`RowPairWinograd`) against their plain twin (`ReferenceKernels.rowPairConvolve`) and against the direct sums: odd
/// sizes, runs of every length 1 ... 13 (tiles and pixels left over), the border, batches cut short, output counts that
/// are not whole vectors, and each choice of tile sizes the kernel takes.
@Suite struct RowPairWinogradTests {
    static let instructionSets = InstructionSet.allCases.filter(\.isSupported)

    /// (height, width, inputs, outputs, mask density, relu); density -1: rows of runs of every length 1 ... 13, one
    /// unmasked pixel apart, starting at a different column in each row.
    static let cases: [(Int, Int, Int, Int, Double, Bool)] = [
        (1, 1, 64, 64, 1.0, true), (3, 4, 64, 64, 1.0, true), (5, 7, 64, 64, 0.6, true), (9, 33, 64, 64, 0.5, false),
        (4, 50, 64, 40, 0.8, true), (6, 61, 16, 64, 0.9, true), (7, 29, 32, 17, 0.4, false), (3, 130, 64, 48, 1.0, true),
        (9, 107, 64, 64, -1, true), (6, 97, 32, 24, -1, false), (5, 9, 64, 64, 1.0, true), (4, 15, 16, 16, 1.0, false),
    ]

    /// The tile sizes the kernel is given (pairs always).
    static let sizeChoices: [[Int]] = [[2], [4, 2]]

    static func runsMask(_ h: Int, _ w: Int) -> SpatialMask {
        var bits = [UInt8](repeating: 0, count: h * w)
        for y in 0..<h {
            var x = y % 3
            var length = 1 + y % 13
            while x < w {
                for p in x..<min(x + length, w) { bits[y * w + p] = 1 }
                x += length + 1
                length = length % 13 + 1
            }
        }
        return SpatialMask(height: h, width: w, bits: bits)
    }

    @Test(arguments: instructionSets, Array(0..<(cases.count * sizeChoices.count)))
    func tilesMatchTheirTwinAndTheDirectSums(_ set: InstructionSet, _ caseAndSizes: Int) throws {
        let (index, sizes) = (caseAndSizes / Self.sizeChoices.count, Self.sizeChoices[caseAndSizes % Self.sizeChoices.count])
        let (h, w, cin, cout, density, relu) = Self.cases[index]
        var random = SplitMix64(seed: UInt64(7_700 + index))
        let input = ReferenceKernelTests.randomMap(h, w, cin, &random)
        let weights = ConvWeights(kernelSize: 3, inputs: cin, outputs: cout, values: random.floats(9 * cin * cout), bias: nil)
        let pairs = try #require(RowPairWeights(weights, sizes: [4, 2]))
        let mask = density < 0 ? Self.runsMask(h, w) : ReferenceKernelTests.randomMask(h, w, density: density, &random)
        let positions = (0..<(h * w)).filter { mask.bits[$0] != 0 }
        // Pixels not listed keep this value; listed ones are all written.
        let untouched: Float = 1234.5
        let start = FeatureMap(height: h, width: w, channels: cout, values: [Float](repeating: untouched, count: h * w * cout))
        var twin = start
        ReferenceKernels().rowPairConvolve(input, weights, pairs: pairs, sizes: sizes, positions: positions, outputs: cout,
                                           relu: relu, into: &twin)
        let direct = ReferenceKernels().convolve(input, weights, relu: relu)
        let kernels = try #require(SIMDKernels(set, threads: 1))
        var ours = start.values
        let list = positions.map { Int32($0) }
        input.values.withUnsafeBufferPointer { x in
            weights.laneValues.withUnsafeBufferPointer { wt in
                pairs.values.withUnsafeBufferPointer { u in
                    list.withUnsafeBufferPointer { p in
                        ours.withUnsafeMutableBufferPointer { out in
                            let job = smsr_convolution(
                                input: x.baseAddress, height: h, width: w, input_channels: cin, dense_inputs: cin,
                                used_inputs: cin, mask: nil, kernel_size: 3, weights: wt.baseAddress,
                                padded_outputs: weights.laneOutputs, bias: nil, output: out.baseAddress,
                                output_channels: cout, computed_outputs: cout, cleared_outputs: cout, accumulate: 0,
                                relu: relu ? 1 : 0, input_ring_rows: 0, output_ring_rows: 0, positions: p.baseAddress,
                                first: 0, count: p.count, empty_taps: 0, bias_last: 0)
                            kernels.execute(job, rowPairs: u.baseAddress!, fours: sizes.contains(4))
                        }
                    }
                }
            }
        }
        var worstTwin: Float = 0
        var worstDirect: Float = 0
        for q in 0..<(h * w) {
            for co in 0..<cout {
                let value = ours[q * cout + co]
                if mask.bits[q] == 0 {
                    #expect(value == untouched, "\(set) case \(index) \(sizes): pixel \(q) not listed was written")
                    continue
                }
                worstTwin = max(worstTwin, abs(value - twin.values[q * cout + co]))
                worstDirect = max(worstDirect, abs(value - direct.values[q * cout + co]))
            }
        }
        // Sums of 9 x 64 products of values in [-1, 1]: rounding moves them far less than this. The transforms of tiles
        // of 4 (factors up to 8) round more than pairs: with tiles of 4 and pairs at most 8.7e-5 from the direct sums and
        // 3.1e-5 from the twin over these cases (pairs alone: 3.1e-5 and 9.1e-6).
        #expect(worstTwin < 1e-4, "\(set) case \(index) \(sizes): twin max abs diff \(worstTwin)")
        #expect(worstDirect < 1e-4, "\(set) case \(index) \(sizes): direct max abs diff \(worstDirect)")
    }

    /// Every run length 1 ... 13 appears in the runs mask, away from the border.
    @Test func runsMaskHoldsEveryLength() {
        let mask = Self.runsMask(9, 107)
        var lengths = Set<Int>()
        for y in 1..<8 {
            var x = 1
            while x < 106 {
                var n = 0
                while x + n < 106 && mask.bits[y * 107 + x + n] != 0 { n += 1 }
                if n > 0 { lengths.insert(n) }
                x += n + 1
            }
        }
        #expect(lengths.isSuperset(of: 1...13))
    }

    /// The tiles `smsr bench` counts as multiplied less: runs of consecutive masked pixels from the left, away from the
    /// border, cut into the longest size that fits; a run of 3 left takes a tile of 4 storing 3 where the tile's last
    /// pixel is away from the border.
    @Test func tilesCountedAsTheKernelCutsThem() {
        let rows: [[UInt8]] = [
            [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],  // runs of 4 and 10 (16 is the border)
            [0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1],  // 2, 1, 7, 1
            [0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0],  // 7, 5, 1
            [0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0],  // 3, 5
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0],  // 3 (no room for 4)
            [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        ]
        let mask = SpatialMask(height: 7, width: 17, bits: rows.flatMap { $0 })
        typealias Tile = RowPairCount.Tile
        let (pair, four, fourOfThree) = (Tile(size: 2, stored: 2), Tile(size: 4, stored: 4), Tile(size: 4, stored: 3))
        #expect(RowPairCount.tiles(in: mask, sizes: [2]) == [pair: 20])
        // 4 | 4 4 2 || 2 | 1 | 4 4(3) | 1 || 4 4(3) | 4 1 | 1 || 4(3) | 4 1 || 2 1
        #expect(RowPairCount.tiles(in: mask, sizes: [4, 2]) == [four: 7, fourOfThree: 3, pair: 3])
        // Per input and output: 9 per stored output less 3 per component.
        #expect(RowPairCount.saved(in: mask, sizes: [4, 2]) == 7 * 18 + 3 * 9 + 3 * 6)
        #expect(RowPairCount.tiles(in: SpatialMask(height: 2, width: 9, bits: [UInt8](repeating: 1, count: 18)), sizes: [2]).isEmpty)
    }

    @Test func formAppliesTo3x3OnWholeInputVectorsOnly() {
        var random = SplitMix64(seed: 7_701)
        func weights(_ k: Int, _ cin: Int) -> ConvWeights {
            ConvWeights(kernelSize: k, inputs: cin, outputs: 8, values: random.floats(k * k * cin * 8), bias: nil)
        }
        #expect(RowPairWeights(weights(3, 64)) != nil)
        #expect(RowPairWeights(weights(3, 16)) != nil)
        #expect(RowPairWeights(weights(1, 64)) == nil)
        #expect(RowPairWeights(weights(3, 12)) == nil)
        var empty = weights(3, 16)
        for i in 0..<(16 * 8) { empty.values[4 * 16 * 8 + i] = 0 }
        #expect(RowPairWeights(empty) == nil, "a tap of zeros: the direct sums skip it")
    }

    /// Pairs and tiles of 4 share one array: with tiles of 4 its first two components are the pairs' alone, bit for bit
    /// (1/2 (g0 +- g1 + g2)), and two more follow; without them it holds the pairs' two.
    @Test func pairsAndFoursShareTheirFirstComponents() throws {
        var random = SplitMix64(seed: 7_702)
        let (cin, cout) = (32, 24)
        let weights = ConvWeights(kernelSize: 3, inputs: cin, outputs: cout, values: random.floats(9 * cin * cout), bias: nil)
        let pairs = try #require(RowPairWeights(weights, sizes: [2]))
        let shared = try #require(RowPairWeights(weights, sizes: [4, 2]))
        let component = 3 * cin * shared.laneOutputs
        #expect(pairs.values.count == 2 * component && shared.values.count == 4 * component)
        #expect(Array(shared.values.prefix(2 * component)) == pairs.values)
        #expect(pairs.values(size: 4).isEmpty && shared.values(size: 4) == shared.values)
        let (ky, ci, co) = (1, 5, 7)
        let taps = (0..<3).map { kx in Double(weights.values[((ky * 3 + kx) * cin + ci) * cout + co]) }
        let u1 = shared.values[(ky * cin + ci) * shared.laneOutputs + co]
        #expect(u1 == Float(0.5 * (taps[0] + taps[1] + taps[2])))
    }
}
