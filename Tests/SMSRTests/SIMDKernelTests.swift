import SMSRCPU
import Testing
@testable import SMSR

/// Every fast kernel against its reference twin, on every instruction set this CPU runs: random shapes, odd
/// sizes, output counts that are not a multiple of the vector width, and empty, full and random masks.
@Suite struct SIMDKernelTests {
    static let reference = ReferenceKernels()
    static let instructionSets = InstructionSet.allCases.filter(\.isSupported)

    static func maxDifference(_ a: FeatureMap, _ b: FeatureMap) -> Float {
        precondition(a.values.count == b.values.count)
        return zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func thisCPURunsAtLeastOneBuild() {
        #if arch(x86_64) || arch(arm64)
        #expect(!Self.instructionSets.isEmpty)
        #endif
    }

    /// (height, width, inputs, outputs, kernel size, bias, relu): the network's shapes and awkward ones.
    static let denseCases: [(Int, Int, Int, Int, Int, Bool, Bool)] = [
        (9, 13, 3, 64, 3, true, true), (7, 11, 64, 64, 3, true, false), (8, 8, 64, 16, 3, true, true),
        (5, 6, 16, 16, 3, true, true), (6, 7, 64, 12, 3, true, false), (5, 5, 64, 27, 3, true, false),
        (4, 9, 64, 48, 3, true, false), (1, 1, 64, 64, 3, true, false), (1, 7, 5, 9, 3, false, true),
        (7, 1, 9, 3, 3, false, false), (11, 5, 20, 70, 3, true, true), (3, 17, 64, 24, 3, false, true),
        (6, 9, 320, 64, 1, true, true), (5, 5, 64, 64, 1, false, false), (2, 3, 7, 2, 1, true, false),
        // Wide enough for row runs (64, 16 and the head's 3 inputs), with every output-vector count.
        (5, 60, 64, 64, 3, true, true), (4, 50, 16, 16, 3, true, true), (3, 40, 64, 16, 3, true, false),
        (6, 70, 64, 40, 3, false, true), (3, 33, 16, 5, 3, true, false), (4, 30, 64, 64, 1, true, false),
        (5, 44, 16, 48, 3, true, true), (5, 41, 3, 64, 3, true, true), (4, 29, 3, 20, 3, false, false),
    ]

    /// A dense case's random input and weights (with bias where the case has one).
    static func denseLayer(_ index: Int, _ random: inout SplitMix64) -> (FeatureMap, ConvWeights) {
        let (h, w, cin, cout, k, hasBias, _) = denseCases[index]
        let input = ReferenceKernelTests.randomMap(h, w, cin, &random)
        let weights = ConvWeights(kernelSize: k, inputs: cin, outputs: cout, values: random.floats(k * k * cin * cout),
                                  bias: hasBias ? random.floats(cout) : nil)
        return (input, weights)
    }

    @Test(arguments: instructionSets, denseCases.indices)
    func denseConvolutionMatchesReference(_ set: InstructionSet, _ index: Int) throws {
        let (h, w, _, cout, _, _, relu) = Self.denseCases[index]
        var random = SplitMix64(seed: UInt64(500 + index))
        let (input, weights) = Self.denseLayer(index, &random)
        let expected = Self.reference.convolve(input, weights, relu: relu)
        // Dense 3x3 convolutions on whole input vectors can also take the Winograd form: both ways here.
        for (threads, winograd) in [(1, false), (2, false), (3, false), (1, true), (2, true)] {
            var kernels = try #require(SIMDKernels(set, threads: threads))
            kernels.usesWinograd = winograd
            let ours = kernels.convolve(input, winograd ? weights.withWinogradBlocks(2) : weights, relu: relu)
            #expect(ours.height == h && ours.width == w && ours.channels == cout)
            #expect(Self.maxDifference(ours, expected) < 1e-3, "\(set) threads \(threads) Winograd \(winograd)")
        }
    }

    /// `accumulateConvolution` against the reference: the convolution (with bias) added to what was there.
    @Test(arguments: instructionSets, [0, 1, 10, 12, 15])
    func accumulatedConvolutionMatchesReferencePlusAdd(_ set: InstructionSet, _ index: Int) throws {
        let (h, w, _, cout, _, _, _) = Self.denseCases[index]
        var random = SplitMix64(seed: UInt64(1500 + index))
        let (input, weights) = Self.denseLayer(index, &random)
        let start = ReferenceKernelTests.randomMap(h, w, cout, &random)
        let conv = Self.reference.convolve(input, weights, relu: false)
        let expected = FeatureMap(height: h, width: w, channels: cout, values: zip(start.values, conv.values).map { $0 + $1 })
        for (threads, winograd) in [(1, false), (2, false), (2, true)] {
            var kernels = try #require(SIMDKernels(set, threads: threads))
            kernels.usesWinograd = winograd
            var ours = start
            kernels.accumulateConvolution(input, winograd ? weights.withWinogradBlocks(2) : weights, into: &ours)
            #expect(Self.maxDifference(ours, expected) < 1e-3, "\(set) threads \(threads) Winograd \(winograd)")
        }
    }

    /// (height, width, inputs, dense inputs, outputs, dense outputs, mask density).
    static let sparseCases: [(Int, Int, Int, Int, Int, Int, Double)] = [
        (12, 17, 64, 64, 64, 24, 0.3), (12, 17, 64, 24, 64, 9, 0.15), (10, 9, 64, 9, 64, 3, 0.5),
        (10, 9, 64, 3, 64, 0, 0.35), (9, 11, 64, 0, 64, 0, 0.4), (8, 8, 64, 16, 64, 16, 1.0),
        (8, 8, 64, 16, 64, 4, 0.0), (1, 7, 8, 3, 8, 2, 0.5), (7, 1, 12, 12, 12, 12, 0.6),
        (13, 5, 20, 7, 33, 10, 0.45), (16, 16, 64, 14, 64, 5, 0.08),
        // Row runs: all masked (sparse inputs read in runs), none masked, and mostly masked (runs whose
        // neighbours include unmasked pixels, whose sparse inputs must read as 0).
        (5, 60, 64, 20, 64, 7, 1.0), (4, 55, 64, 20, 64, 7, 0.0), (7, 45, 64, 16, 64, 40, 0.95),
        (6, 50, 16, 5, 16, 3, 0.95), (5, 40, 64, 64, 64, 1, 0.9),
        // Short runs (8 to 11 neighbours) of masked and of unmasked pixels.
        (8, 64, 64, 24, 64, 9, 0.8), (8, 64, 64, 7, 64, 30, 0.15),
    ]

    /// One sparse case with random data (sparse inputs zero off the mask, as a previous layer leaves them)
    /// and the reference kernels' output for it.
    static func sparseLayer(_ index: Int, seed: UInt64)
        -> (input: FeatureMap, weights: ConvWeights, mask: SpatialMask, expected: FeatureMap) {
        let (h, w, cin, dIn, cout, dOut, density) = sparseCases[index]
        var random = SplitMix64(seed: seed)
        let mask = ReferenceKernelTests.randomMask(h, w, density: density, &random)
        var input = ReferenceKernelTests.randomMap(h, w, cin, &random)
        for p in 0..<input.pixelCount where mask.bits[p] == 0 {
            for c in dIn..<cin { input.values[p * cin + c] = 0 }
        }
        let weights = ConvWeights(kernelSize: 3, inputs: cin, outputs: cout, values: random.floats(9 * cin * cout), bias: nil)
        let expected = reference.sparseConvolve(input, denseInputs: dIn, weights, denseOutputs: dOut, mask: mask)
        return (input, weights, mask, expected)
    }

    @Test(arguments: instructionSets, sparseCases.indices)
    func sparseConvolutionMatchesReference(_ set: InstructionSet, _ index: Int) throws {
        let (_, _, _, dIn, cout, dOut, _) = Self.sparseCases[index]
        let (input, weights, mask, expected) = Self.sparseLayer(index, seed: UInt64(700 + index))
        var first: FeatureMap?
        for threads in [1, 2, 3] {
            let kernels = try #require(SIMDKernels(set, threads: threads))
            let ours = kernels.sparseConvolve(input, denseInputs: dIn, weights, denseOutputs: dOut, mask: mask)
            #expect(Self.maxDifference(ours, expected) < 1e-3, "\(set) threads \(threads)")
            for p in 0..<ours.pixelCount where mask.bits[p] == 0 {
                #expect((dOut..<cout).allSatisfy { ours.values[p * cout + $0] == 0 })
            }
            if let first { #expect(first == ours, "output depends on the thread count") } else { first = ours }
        }
    }

    /// Into a reused map, the kernels write every value: the reference's everywhere, which is 0 for the sparse
    /// outputs at unmasked pixels (the next layer's row runs read those as stored).
    @Test(arguments: instructionSets, sparseCases.indices)
    func sparseConvolutionIntoReusedMapWritesEveryValue(_ set: InstructionSet, _ index: Int) throws {
        let (h, w, _, dIn, cout, dOut, _) = Self.sparseCases[index]
        let (input, weights, mask, expected) = Self.sparseLayer(index, seed: UInt64(800 + index))
        let kernels = try #require(SIMDKernels(set, threads: 2))
        var ours = FeatureMap(height: h, width: w, channels: cout, repeating: .nan)
        kernels.sparseConvolve(input, denseInputs: dIn, weights, denseOutputs: dOut, mask: mask, into: &ours)
        var (wrong, notCleared) = (0, 0)
        for p in 0..<ours.pixelCount {
            let masked = mask.bits[p] != 0
            for c in 0..<cout {
                let (a, b) = (ours.values[p * cout + c], expected.values[p * cout + c])
                // `!(x < limit)` also counts a NaN left where a value was due.
                if masked || c < dOut { if !(abs(a - b) < 1e-3) { wrong += 1 } } else if a != 0 { notCleared += 1 }
            }
        }
        #expect(wrong == 0, "\(set): \(wrong) values differ from the reference")
        #expect(notCleared == 0, "\(set): \(notCleared) unmasked sparse outputs not set to 0")
    }

    /// (height, width, inputs, dense inputs, outputs, mask density; nil: no mask).
    static let pointwiseCases: [(Int, Int, Int, Int, Int, Double?)] = [
        (9, 14, 64, 24, 64, 0.3), (9, 14, 64, 0, 64, 0.5), (6, 5, 64, 64, 64, nil), (5, 7, 64, 3, 64, 1.0),
        (5, 7, 64, 9, 64, 0.0), (4, 3, 20, 7, 9, 0.4), (1, 1, 64, 16, 64, 1.0), (11, 3, 13, 5, 40, nil),
        (6, 50, 64, 16, 64, 0.95), (3, 41, 64, 64, 16, nil),
    ]

    @Test(arguments: instructionSets, pointwiseCases.indices)
    func pointwiseAccumulationMatchesReference(_ set: InstructionSet, _ index: Int) throws {
        let (h, w, cin, dIn, cout, density) = Self.pointwiseCases[index]
        var random = SplitMix64(seed: UInt64(900 + index))
        let mask = density.map { ReferenceKernelTests.randomMask(h, w, density: $0, &random) }
        let input = ReferenceKernelTests.randomMap(h, w, cin, &random)
        let weights = ConvWeights(kernelSize: 1, inputs: cin, outputs: cout, values: random.floats(cin * cout), bias: nil)
        let start = ReferenceKernelTests.randomMap(h, w, cout, &random)
        var expected = start
        Self.reference.accumulatePointwise(input, denseInputs: dIn, weights, mask: mask, into: &expected)
        var first: FeatureMap?
        for threads in [1, 2, 3] {
            let kernels = try #require(SIMDKernels(set, threads: threads))
            var ours = start
            kernels.accumulatePointwise(input, denseInputs: dIn, weights, mask: mask, into: &ours)
            #expect(Self.maxDifference(ours, expected) < 1e-3, "\(set) threads \(threads)")
            if let first { #expect(first == ours, "output depends on the thread count") } else { first = ours }
        }
    }

    @Test(arguments: instructionSets)
    func largeRandomLayersMatchReference(_ set: InstructionSet) throws {
        // Big enough for many chunks per thread, with the official model's first-layer split.
        let (h, w) = (37, 53)
        var random = SplitMix64(seed: 4242)
        let mask = ReferenceKernelTests.randomMask(h, w, density: 0.2, &random)
        let input = ReferenceKernelTests.randomMap(h, w, 64, &random)
        let weights = ConvWeights(kernelSize: 3, inputs: 64, outputs: 64, values: random.floats(9 * 64 * 64), bias: random.floats(64))
        let kernels = try #require(SIMDKernels(set, threads: 2))
        #expect(Self.maxDifference(kernels.convolve(input, weights, relu: true), Self.reference.convolve(input, weights, relu: true)) < 1e-3)
        let sparse = kernels.sparseConvolve(input, denseInputs: 64, weights, denseOutputs: 24, mask: mask)
        let expected = Self.reference.sparseConvolve(input, denseInputs: 64, weights, denseOutputs: 24, mask: mask)
        #expect(Self.maxDifference(sparse, expected) < 1e-3)
    }

    /// (pixels, channels): the network's row, channel counts around the passes of four vectors, no pixels.
    static let channelSumCases: [(Int, Int)] = [(640, 64), (5, 64), (1, 1), (9, 7), (33, 16), (17, 33), (3, 70), (0, 64), (12, 128)]

    @Test(arguments: instructionSets, channelSumCases.indices)
    func channelSumsEqualReferenceBitForBit(_ set: InstructionSet, _ index: Int) throws {
        let (pixels, channels) = Self.channelSumCases[index]
        var random = SplitMix64(seed: 7100 + UInt64(index))
        // Values of very different sizes, so that a different order of the sums would show in the last bits.
        let row = random.floats(pixels * channels).enumerated().map { $1 * Float(1 << ($0 % 23)) }
        let start = (0..<channels).map { Double($0) * 0.1 }
        var ours = start
        var expected = start
        let kernels = try #require(SIMDKernels(set, threads: 1))
        row.withUnsafeBufferPointer { r in
            ours.withUnsafeMutableBufferPointer { kernels.addChannelSums(r.baseAddress!, pixels: pixels, channels: channels, into: $0.baseAddress!) }
            expected.withUnsafeMutableBufferPointer {
                FeatureArithmetic.addChannelSums(r.baseAddress!, pixels: pixels, channels: channels, into: $0.baseAddress!)
            }
        }
        #expect(ours == expected, "\(set) \(pixels) x \(channels)")
        if pixels > 0 { #expect(ours != start) }
    }

    /// A transposed conv's phase weights leave five of the nine taps all 0; the kernels skip them (`emptyTaps`) and
    /// must give the plain transposed convolution's values.
    @Test(arguments: instructionSets, [(7, 9), (12, 40), (1, 1), (5, 33)])
    func transposedConvolutionSkipsEmptyTaps(_ set: InstructionSet, _ size: (Int, Int)) throws {
        var random = SplitMix64(seed: 7300 + UInt64(size.0 * 100 + size.1))
        let expand = TransposedConvolution(weight: Tensor(shape: [16, 2, 3, 3], values: random.floats(16 * 2 * 9)),
                                           bias: Tensor(shape: [2], values: random.floats(2)))
        #expect(expand.phases.emptyTaps == 0b100_1111, "taps 0-3 and 6 hold no weights")
        let input = ReferenceKernelTests.randomMap(size.0, size.1, 16, &random)
        let expected = expand(input)
        for threads in [1, 2] {
            let kernels = try #require(SIMDKernels(set, threads: threads))
            var grouped = FeatureMap(height: 0, width: 0, channels: 0)
            var ours = grouped
            expand.apply(input, kernels: kernels, team: ThreadTeam(threads: threads), grouped: &grouped, into: &ours)
            #expect(ours.height == expected.height && ours.width == expected.width && ours.channels == 2)
            #expect(Self.maxDifference(ours, expected) < 1e-4, "\(set) threads \(threads)")
        }
    }

    @Test func emptyTapsFollowTheWeights() {
        var values = [Float](repeating: 1, count: 9 * 3 * 4)
        for tap in [1, 4, 8] { for i in 0..<12 { values[tap * 12 + i] = 0 } }
        values[4 * 12 + 5] = -0.0
        var weights = ConvWeights(kernelSize: 3, inputs: 3, outputs: 4, values: values, bias: nil)
        #expect(weights.emptyTaps == (1 << 1) | (1 << 4) | (1 << 8))
        weights.values[8 * 12 + 11] = 0.5
        #expect(weights.emptyTaps == (1 << 1) | (1 << 4))
        #expect(ConvWeights(kernelSize: 1, inputs: 2, outputs: 2, values: [0, 0, 0, 0], bias: nil).emptyTaps == 1)
    }

    /// A sum started from its bias added last (`bias_last`, how the first block starts the network collect) gives the
    /// bits of the same sum accumulated onto a map holding the bias, whatever the output held before; on row runs
    /// and gathered tiles, 1x1 and 3x3, whole and partial vectors.
    @Test(arguments: instructionSets, [(3, 30, 64, 64, 1), (4, 5, 64, 64, 1), (3, 29, 16, 40, 3), (2, 7, 9, 12, 3)])
    func biasAddedLastEqualsSumOntoBiasMap(_ set: InstructionSet, _ shape: (Int, Int, Int, Int, Int)) throws {
        let (h, w, cin, cout, k) = shape
        var random = SplitMix64(seed: 7400 + UInt64(w * cout))
        let input = ReferenceKernelTests.randomMap(h, w, cin, &random)
        let weights = ConvWeights(kernelSize: k, inputs: cin, outputs: cout, values: random.floats(k * k * cin * cout), bias: nil)
        let bias = random.floats(cout) + [Float](repeating: 0, count: weights.laneOutputs - cout)
        let kernels = try #require(SIMDKernels(set, threads: 1))
        func run(output: [Float], biasLast: Bool) -> [Float] {
            var output = output
            input.values.withUnsafeBufferPointer { x in
                weights.laneValues.withUnsafeBufferPointer { wt in
                    bias.withUnsafeBufferPointer { b in
                        output.withUnsafeMutableBufferPointer { out in
                            let job = smsr_convolution(
                                input: x.baseAddress, height: h, width: w, input_channels: cin, dense_inputs: cin,
                                used_inputs: cin, mask: nil, kernel_size: k, weights: wt.baseAddress,
                                padded_outputs: weights.laneOutputs, bias: biasLast ? b.baseAddress : nil,
                                output: out.baseAddress, output_channels: cout, computed_outputs: cout, cleared_outputs: cout,
                                accumulate: biasLast ? 0 : 1, relu: 0, input_ring_rows: 0, output_ring_rows: 0,
                                positions: nil, first: 0, count: h * w, empty_taps: weights.emptyTaps, bias_last: biasLast ? 1 : 0)
                            kernels.execute(job)
                        }
                    }
                }
            }
            return output
        }
        let ontoBias = run(output: (0..<(h * w)).flatMap { _ in bias[0..<cout] }, biasLast: false)
        let last = run(output: [Float](repeating: .nan, count: h * w * cout), biasLast: true)
        #expect(last.map(\.bitPattern) == ontoBias.map(\.bitPattern), "\(set) \(shape)")
    }
}
