import Testing
@testable import SMSR

/// The reference kernels against the definitions, computed another way: PyTorch-layout loops for the dense
/// convolution, and dense convolutions of masked inputs for the sparse semantics.
@Suite struct ReferenceKernelTests {
    let kernels = ReferenceKernels()

    static func randomMap(_ h: Int, _ w: Int, _ c: Int, _ random: inout SplitMix64) -> FeatureMap {
        FeatureMap(height: h, width: w, channels: c, values: random.floats(h * w * c))
    }

    static func randomMask(_ h: Int, _ w: Int, density: Double, _ random: inout SplitMix64) -> SpatialMask {
        SpatialMask(height: h, width: w, bits: (0..<(h * w)).map { _ in Double.random(in: 0..<1, using: &random) < density ? 1 : 0 })
    }

    @Test(arguments: [(5, 7, 3, 8, 3), (4, 4, 16, 16, 3), (6, 3, 9, 5, 1), (1, 1, 4, 4, 3)])
    func denseConvolutionMatchesTheDefinition(_ shape: (Int, Int, Int, Int, Int)) {
        let (h, w, cin, cout, k) = shape
        var random = SplitMix64(seed: 7)
        let input = Self.randomMap(h, w, cin, &random)
        let torchWeight = Tensor(shape: [cout, cin, k, k], values: random.floats(cout * cin * k * k))
        let bias = Tensor(shape: [cout], values: random.floats(cout))
        let output = kernels.convolve(input, ConvWeights(pytorch: torchWeight, bias: bias), relu: false)
        var worst: Float = 0
        for y in 0..<h {
            for x in 0..<w {
                for co in 0..<cout {
                    var sum = bias.values[co]
                    for ci in 0..<cin {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let (iy, ix) = (y + ky - k / 2, x + kx - k / 2)
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                sum += torchWeight.values[((co * cin + ci) * k + ky) * k + kx] * input[iy, ix, ci]
                            }
                        }
                    }
                    worst = max(worst, abs(sum - output[y, x, co]))
                }
            }
        }
        #expect(worst < 1e-4)
    }

    /// The sparse layer, emulated densely: A = conv(dense inputs only), B = conv(sparse inputs only, zero off
    /// the mask); dense outputs = A + (masked ? B : 0), sparse outputs = masked ? A + B : 0, then ReLU.
    func emulateSparseLayer(_ input: FeatureMap, denseInputs: Int, _ weights: ConvWeights, denseOutputs: Int,
                            mask: SpatialMask) -> FeatureMap {
        var denseOnly = input
        var sparseOnly = input
        for p in 0..<input.pixelCount {
            for c in 0..<input.channels {
                if c < denseInputs { sparseOnly.values[p * input.channels + c] = 0 } else {
                    denseOnly.values[p * input.channels + c] = 0
                    if mask.bits[p] == 0 { sparseOnly.values[p * input.channels + c] = 0 }
                }
            }
        }
        let a = kernels.convolve(denseOnly, weights, relu: false)
        let b = kernels.convolve(sparseOnly, weights, relu: false)
        var out = FeatureMap(height: input.height, width: input.width, channels: weights.outputs)
        for p in 0..<input.pixelCount {
            let masked = mask.bits[p] != 0
            for co in 0..<weights.outputs {
                let i = p * weights.outputs + co
                let v = co < denseOutputs ? a.values[i] + (masked ? b.values[i] : 0) : (masked ? a.values[i] + b.values[i] : 0)
                out.values[i] = max(v, 0)
            }
        }
        return out
    }

    static let sparseCases: [(h: Int, w: Int, cin: Int, dIn: Int, cout: Int, dOut: Int, density: Double)] = [
        (9, 11, 16, 5, 16, 3, 0.3), (8, 8, 64, 64, 64, 24, 0.5), (7, 5, 64, 0, 64, 0, 0.4),
        (6, 9, 12, 12, 12, 12, 0.0), (6, 9, 12, 4, 12, 7, 1.0), (1, 7, 8, 3, 8, 2, 0.5),
    ]

    @Test(arguments: sparseCases.indices)
    func sparseLayerMatchesDenseEmulation(_ index: Int) {
        let t = Self.sparseCases[index]
        var random = SplitMix64(seed: UInt64(100 + index))
        let mask = Self.randomMask(t.h, t.w, density: t.density, &random)
        var input = Self.randomMap(t.h, t.w, t.cin, &random)
        // Sparse features are zero outside the mask, as the previous layer leaves them.
        for p in 0..<input.pixelCount where mask.bits[p] == 0 {
            for c in t.dIn..<t.cin { input.values[p * t.cin + c] = 0 }
        }
        let weights = ConvWeights(kernelSize: 3, inputs: t.cin, outputs: t.cout, values: random.floats(9 * t.cin * t.cout), bias: nil)
        let ours = kernels.sparseConvolve(input, denseInputs: t.dIn, weights, denseOutputs: t.dOut, mask: mask)
        let expected = emulateSparseLayer(input, denseInputs: t.dIn, weights, denseOutputs: t.dOut, mask: mask)
        let worst = zip(ours.values, expected.values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-4)
        // Sparse outputs are exactly zero off the mask.
        for p in 0..<ours.pixelCount where mask.bits[p] == 0 {
            #expect((t.dOut..<t.cout).allSatisfy { ours.values[p * t.cout + $0] == 0 })
        }
    }

    @Test(arguments: [0.0, 0.35, 1.0])
    func pointwiseAccumulationSkipsSparseInputsOffTheMask(_ density: Double) {
        var random = SplitMix64(seed: 42)
        let (h, w, cin, dIn, cout) = (5, 6, 20, 7, 9)
        let mask = Self.randomMask(h, w, density: density, &random)
        let input = Self.randomMap(h, w, cin, &random)
        let weights = ConvWeights(kernelSize: 1, inputs: cin, outputs: cout, values: random.floats(cin * cout), bias: nil)
        let start = Self.randomMap(h, w, cout, &random)
        var ours = start
        kernels.accumulatePointwise(input, denseInputs: dIn, weights, mask: mask, into: &ours)
        var worst: Float = 0
        for p in 0..<input.pixelCount {
            let inputs = mask.bits[p] != 0 ? cin : dIn
            for co in 0..<cout {
                var sum = start.values[p * cout + co]
                for ci in 0..<inputs { sum += weights.values[ci * cout + co] * input.values[p * cin + ci] }
                worst = max(worst, abs(sum - ours.values[p * cout + co]))
            }
        }
        #expect(worst < 1e-4)
    }

    @Test func reorderedWeightsPermuteChannels() {
        var random = SplitMix64(seed: 3)
        let weights = ConvWeights(kernelSize: 3, inputs: 4, outputs: 5, values: random.floats(9 * 20), bias: random.floats(5))
        let reordered = weights.reordered(inputOrder: [2, 0, 3, 1], outputOrder: [4, 1, 0, 3, 2])
        for tap in 0..<9 {
            for (ni, ci) in [2, 0, 3, 1].enumerated() {
                for (no, co) in [4, 1, 0, 3, 2].enumerated() {
                    #expect(reordered.weight(ky: tap / 3, kx: tap % 3, input: ni, output: no)
                        == weights.weight(ky: tap / 3, kx: tap % 3, input: ci, output: co))
                }
            }
        }
        #expect(reordered.bias == [4, 1, 0, 3, 2].map { weights.bias![$0] })
    }

    /// A joined convolution's outputs are the first convolution's, then the second's first `count` (a missing bias
    /// reads as zero), value for value on the reference kernels.
    @Test func appendedOutputsComputeBothConvolutions() {
        var random = SplitMix64(seed: 5)
        let first = ConvWeights(kernelSize: 3, inputs: 6, outputs: 4, values: random.floats(9 * 24), bias: random.floats(4))
        let second = ConvWeights(kernelSize: 3, inputs: 6, outputs: 7, values: random.floats(9 * 42), bias: nil)
        let joined = first.appendingOutputs(of: second, count: 5)
        #expect(joined.outputs == 9 && joined.bias?.count == 9)
        let input = Self.randomMap(5, 4, 6, &random)
        let (a, b, ab) = (kernels.convolve(input, first, relu: true), kernels.convolve(input, second, relu: true),
                          kernels.convolve(input, joined, relu: true))
        for p in 0..<input.pixelCount {
            #expect(Array(ab.values[(p * 9)..<(p * 9 + 4)]) == Array(a.values[(p * 4)..<(p * 4 + 4)]))
            #expect(Array(ab.values[(p * 9 + 4)..<(p * 9 + 9)]) == Array(b.values[(p * 7)..<(p * 7 + 5)]))
        }
    }

    /// Pooling the first channels of a wider map equals pooling a map of only those channels.
    @Test func poolingTheFirstChannels() {
        var random = SplitMix64(seed: 6)
        let wide = Self.randomMap(5, 7, 10, &random)
        let narrow = FeatureMap(height: 5, width: 7, channels: 4,
                                values: (0..<35).flatMap { p in wide.values[(p * 10)..<(p * 10 + 4)] })
        let pooled = Pooling.average2x2(wide, channels: 4)
        #expect(pooled == Pooling.average2x2(narrow))
        #expect(pooled.height == 2 && pooled.width == 3 && pooled.channels == 4)
    }
}
