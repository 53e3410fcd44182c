import Testing
@testable import SMSR

/// The Winograd forms of dense 3x3 convolutions (2x2, 2x4, 4x2 and 4x4 output blocks) against the direct sums of the reference
/// kernels: sizes that end inside a block or a batch of blocks, input counts with and without a specialized kernel,
/// every output-vector count, bias, ReLU and accumulation; and where the form applies.
@Suite struct WinogradTests {
    static let instructionSets = InstructionSet.allCases.filter(\.isSupported)

    /// (height, width, inputs, outputs, bias, relu, accumulate).
    static let cases: [(Int, Int, Int, Int, Bool, Bool, Bool)] = [
        (1, 1, 64, 64, true, false, false), (1, 2, 16, 16, true, true, false), (2, 1, 64, 12, false, false, false),
        (3, 3, 64, 40, true, true, false), (5, 97, 64, 64, true, true, false), (6, 50, 32, 40, false, false, false),
        (4, 30, 128, 64, true, false, true), (7, 49, 16, 19, true, true, false), (9, 26, 64, 30, true, false, true),
        (2, 48, 64, 48, false, true, true),
    ]

    @Test(arguments: instructionSets, cases.indices)
    func winogradMatchesDirectSums(_ set: InstructionSet, _ index: Int) throws {
        for (blockHeight, blockWidth) in [(2, 2), (4, 4), (2, 4), (4, 2)] {
            try check(set, index, blockHeight: blockHeight, blockWidth: blockWidth)
        }
    }

    func check(_ set: InstructionSet, _ index: Int, blockHeight: Int, blockWidth: Int) throws {
        let (h, w, cin, cout, hasBias, relu, accumulate) = Self.cases[index]
        var random = SplitMix64(seed: UInt64(7_100 + index))
        let input = ReferenceKernelTests.randomMap(h, w, cin, &random)
        let weights = ConvWeights(kernelSize: 3, inputs: cin, outputs: cout, values: random.floats(9 * cin * cout),
                                  bias: hasBias ? random.floats(cout) : nil)
            .withWinogradBlocks(height: blockHeight, width: blockWidth)
        #expect(weights.winograd?.blockHeight == blockHeight && weights.winograd?.blockWidth == blockWidth)
        let start = ReferenceKernelTests.randomMap(h, w, cout, &random)
        var expected = ReferenceKernels().convolve(input, weights, relu: relu && !accumulate)
        if accumulate { expected.values = zip(start.values, expected.values).map { $0 + $1 } }
        var outputs: [FeatureMap] = []
        for threads in [1, 3] {
            var kernels = try #require(SIMDKernels(set, threads: threads))
            kernels.usesWinograd = true
            var ours = start
            if accumulate {
                kernels.accumulateConvolution(input, weights, into: &ours)
            } else {
                kernels.convolve(input, weights, relu: relu, into: &ours)
            }
            #expect(ours.height == h && ours.width == w && ours.channels == cout)
            let worst = zip(ours.values, expected.values).map { abs($0 - $1) }.max() ?? .infinity
            // Sums of up to 9 x 128 products of values in [-1, 1] (magnitudes up to about 30): rounding moves them by far
            // less than this, 4x4 blocks (whose transforms multiply by up to 8) about five times as much as 2x2 ones.
            let tolerance: Float = blockHeight == 2 && blockWidth == 2 ? 1e-4 : 1e-3
            #expect(worst < tolerance, "\(set) \(blockHeight)x\(blockWidth) threads \(threads): max abs diff \(worst)")
            outputs.append(ours)
        }
        // Blocks do not depend on how block rows are split across threads.
        #expect(outputs[0].values == outputs[1].values)
    }

    /// A 3x3 convolution (zero padding, no bias) summed in double precision, laid out as `FeatureMap.values`.
    static func doubleSums(_ input: FeatureMap, _ weights: ConvWeights) -> [Double] {
        let (h, w, cin, cout) = (input.height, input.width, input.channels, weights.outputs)
        var sums = [Double](repeating: 0, count: h * w * cout)
        for y in 0..<h {
            for x in 0..<w {
                for co in 0..<cout {
                    var sum = 0.0
                    for ky in 0..<3 where (0..<h).contains(y + ky - 1) {
                        for kx in 0..<3 where (0..<w).contains(x + kx - 1) {
                            for ci in 0..<cin {
                                sum += Double(input[y + ky - 1, x + kx - 1, ci])
                                    * Double(weights.values[((ky * 3 + kx) * cin + ci) * cout + co])
                            }
                        }
                    }
                    sums[(y * w + x) * cout + co] = sum
                }
            }
        }
        return sums
    }

    /// Root mean square of `ours` against `exact`.
    static func rmsError(_ ours: FeatureMap, _ exact: [Double]) -> Double {
        let squares = zip(ours.values, exact).reduce(0.0) { $0 + (Double($1.0) - $1.1) * (Double($1.0) - $1.1) }
        return (squares / Double(exact.count)).squareRoot()
    }

    /// 4x4 blocks round more than direct sums: on these non-negative inputs, with the interpolation points 0, 1, -1, 1/2,
    /// -2 (and infinity) about 1.5 times as much, where 0, +-1, +-2 gave 2.3 times (Benchmarks/engine.md, kernel choices).
    @Test(arguments: instructionSets)
    func fourByFourBlocksRoundLittleMoreThanDirectSums(_ set: InstructionSet) throws {
        var random = SplitMix64(seed: 7_300)
        let (h, w, cin, cout) = (8, 48, 64, 32)
        let input = FeatureMap(height: h, width: w, channels: cin, values: random.floats(h * w * cin, in: 0...1))
        let plain = ConvWeights(kernelSize: 3, inputs: cin, outputs: cout, values: random.floats(9 * cin * cout, in: -0.05...0.05),
                                bias: nil)
        let exact = Self.doubleSums(input, plain)
        let direct = Self.rmsError(ReferenceKernels().convolve(input, plain, relu: false), exact)
        var kernels = try #require(SIMDKernels(set, threads: 1))
        kernels.usesWinograd = true
        var ours = FeatureMap(height: h, width: w, channels: cout)
        kernels.convolve(input, plain.withWinogradBlocks(4), relu: false, into: &ours)
        let winograd = Self.rmsError(ours, exact)
        #expect(winograd < 1.9 * direct, "\(set): 4x4 blocks rms error \(winograd), direct sums \(direct)")
    }

    @Test func formAppliesToDense3x3OnWholeInputVectorsOnly() {
        var random = SplitMix64(seed: 7_001)
        func weights(_ k: Int, _ cin: Int, _ values: [Float]? = nil) -> ConvWeights {
            ConvWeights(kernelSize: k, inputs: cin, outputs: 8, values: values ?? random.floats(k * k * cin * 8), bias: nil)
        }
        // Only where asked: its rounding differs from the direct sums'.
        #expect(weights(3, 64).winograd == nil)
        #expect(weights(3, 64).withWinogradBlocks(2).winograd?.values.count == 16 * 64 * 16)
        #expect(weights(3, 64).withWinogradBlocks(4).winograd?.values.count == 36 * 64 * 16)
        #expect(weights(3, 64).withWinogradBlocks(height: 2, width: 4).winograd?.values.count == 24 * 64 * 16)
        #expect(weights(3, 64).withWinogradBlocks(height: 2, width: 3).winograd == nil)
        #expect(weights(3, 64).withWinogradBlocks(3).winograd == nil)
        #expect(weights(3, 16).withWinogradBlocks(2).winograd != nil)
        #expect(weights(1, 64).withWinogradBlocks(2).winograd == nil)
        #expect(weights(3, 3).withWinogradBlocks(2).winograd == nil)
        #expect(weights(3, 20).withWinogradBlocks(2).winograd == nil)
        // A transposed conv's phase weights leave taps empty; the direct kernels skip those taps instead.
        var phase = random.floats(9 * 16 * 8)
        for i in 0..<(16 * 8) { phase[i] = 0 }
        #expect(weights(3, 16, phase).withWinogradBlocks(2).winograd == nil)
        // New values keep the form, transformed again.
        var changed = weights(3, 16).withWinogradBlocks(4)
        let before = changed.winograd
        changed.values = random.floats(9 * 16 * 8)
        #expect(changed.winograd?.blockHeight == 4 && changed.winograd?.blockWidth == 4 && changed.winograd != before)
    }
}
