import SMSRCPU
import Testing
@testable import SMSR

/// The masked passes' pairs of neighbouring pixels by Winograd's F(2, 3) along the row (`RowPairWinograd`) against
/// their plain twin (`ReferenceKernels.rowPairConvolve`) and against the direct sums: odd sizes, runs of every length
/// (pairs and a pixel left over), the border, batches of pairs cut short, output counts that are not whole vectors.
@Suite struct RowPairWinogradTests {
    static let instructionSets = InstructionSet.allCases.filter(\.isSupported)

    /// (height, width, inputs, outputs, mask density, relu).
    static let cases: [(Int, Int, Int, Int, Double, Bool)] = [
        (1, 1, 64, 64, 1.0, true), (3, 4, 64, 64, 1.0, true), (5, 7, 64, 64, 0.6, true), (9, 33, 64, 64, 0.5, false),
        (4, 50, 64, 40, 0.8, true), (6, 61, 16, 64, 0.9, true), (7, 29, 32, 17, 0.4, false), (3, 130, 64, 48, 1.0, true),
    ]

    @Test(arguments: instructionSets, cases.indices)
    func pairsMatchTheirTwinAndTheDirectSums(_ set: InstructionSet, _ index: Int) throws {
        let (h, w, cin, cout, density, relu) = Self.cases[index]
        var random = SplitMix64(seed: UInt64(7_700 + index))
        let input = ReferenceKernelTests.randomMap(h, w, cin, &random)
        let weights = ConvWeights(kernelSize: 3, inputs: cin, outputs: cout, values: random.floats(9 * cin * cout), bias: nil)
        let pairs = try #require(RowPairWeights(weights))
        let mask = ReferenceKernelTests.randomMask(h, w, density: density, &random)
        let positions = (0..<(h * w)).filter { mask.bits[$0] != 0 }
        // Pixels not listed keep this value; listed ones are all written.
        let untouched: Float = 1234.5
        let start = FeatureMap(height: h, width: w, channels: cout, values: [Float](repeating: untouched, count: h * w * cout))
        var twin = start
        ReferenceKernels().rowPairConvolve(input, weights, pairs: pairs, positions: positions, outputs: cout, relu: relu, into: &twin)
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
                                padded_outputs: weights.laneOutputs, bias: nil, output: out.baseAddress, output_channels: cout,
                                computed_outputs: cout, cleared_outputs: cout, accumulate: 0, relu: relu ? 1 : 0,
                                input_ring_rows: 0, output_ring_rows: 0, positions: p.baseAddress, first: 0, count: p.count,
                                empty_taps: 0, bias_last: 0)
                            kernels.execute(job, rowPairs: u.baseAddress!)
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
                    #expect(value == untouched, "\(set) case \(index): pixel \(q) not listed was written")
                    continue
                }
                worstTwin = max(worstTwin, abs(value - twin.values[q * cout + co]))
                worstDirect = max(worstDirect, abs(value - direct.values[q * cout + co]))
            }
        }
        // Sums of 9 x 64 products of values in [-1, 1]: rounding moves them far less than this.
        #expect(worstTwin < 1e-4, "\(set) case \(index): twin max abs diff \(worstTwin)")
        #expect(worstDirect < 1e-4, "\(set) case \(index): direct max abs diff \(worstDirect)")
    }

    /// The pairs `smsr bench` counts as multiplied less: consecutive masked pixels from the left, away from the border.
    @Test func pairsCountedAsTheKernelFormsThem() {
        let rows: [[UInt8]] = [
            [1, 1, 1, 1, 1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1, 0, 1, 1, 1],  // (1, 2), (3, 4), then 6-7; 8 is the border
            [0, 0, 1, 1, 0, 1, 0, 1, 1],  // (2, 3); 7-8 reaches the border
            [0, 1, 1, 1, 1, 1, 1, 1, 0],  // (1, 2), (3, 4), (5, 6); 7 alone
            [1, 1, 1, 1, 1, 1, 1, 1, 1],
        ]
        let mask = SpatialMask(height: 5, width: 9, bits: rows.flatMap { $0 })
        #expect(RowPairCount.pairs(in: mask) == 3 + 1 + 3)
        #expect(RowPairCount.pairs(in: SpatialMask(height: 2, width: 9, bits: [UInt8](repeating: 1, count: 18))) == 0)
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
}
