/// The mask generator's last layer: a 3x3 transposed convolution with stride 2, padding 1 and output
/// padding 1, doubling the size. Weights keep PyTorch's layout (in, out, 3, 3).
public struct TransposedConvolution: Sendable {
    let inputs: Int
    let outputs: Int
    let weight: [Float]
    let bias: [Float]
    /// The same layer as an ordinary 3x3 convolution on the input grid with one output group per output
    /// phase (y mod 2, x mod 2): group `2 * py + px` holds the outputs at (2*iy + py, 2*ix + px).
    let phases: ConvWeights

    init(weight: Tensor, bias: Tensor) {
        precondition(weight.shape.count == 4 && weight.shape[2] == 3 && weight.shape[3] == 3, "expected a 3x3 kernel")
        inputs = weight.shape[0]
        outputs = weight.shape[1]
        self.weight = weight.values
        self.bias = bias.values
        phases = Self.phaseWeights(weight.values, inputs: inputs, outputs: outputs, bias: bias.values)
    }

    /// Output y = 2*iy - 1 + ky: an even y = 2i takes ky = 1 from input row i; an odd y = 2i + 1 takes ky = 0
    /// from row i + 1 and ky = 2 from row i. Columns alike. So phase (py, px) reads input offsets 0 and +1 only,
    /// the taps (dy, dx) in {0, 1} of a 3x3 window centred on (i, j).
    static func phaseWeights(_ weight: [Float], inputs: Int, outputs: Int, bias: [Float]) -> ConvWeights {
        func tap(phase: Int, offset: Int) -> Int? {
            switch (phase, offset) {
            case (0, 0): 1
            case (1, 1): 0
            case (1, 0): 2
            default: nil
            }
        }
        let groups = 4 * outputs
        var values = [Float](repeating: 0, count: 9 * inputs * groups)
        for py in 0..<2 {
            for px in 0..<2 {
                for dy in 0..<2 {
                    for dx in 0..<2 {
                        guard let ky = tap(phase: py, offset: dy), let kx = tap(phase: px, offset: dx) else { continue }
                        let window = (dy + 1) * 3 + (dx + 1)
                        for c in 0..<inputs {
                            for o in 0..<outputs {
                                values[(window * inputs + c) * groups + (2 * py + px) * outputs + o] =
                                    weight[((c * outputs + o) * 3 + ky) * 3 + kx]
                            }
                        }
                    }
                }
            }
        }
        return ConvWeights(kernelSize: 3, inputs: inputs, outputs: groups, values: values,
                           bias: (0..<4).flatMap { _ in bias })
    }

    /// The layer on `kernels`, which choose how to compute it (see `ConvolutionKernels.transposedConvolve`).
    func apply(_ input: FeatureMap, kernels: any ConvolutionKernels) -> FeatureMap {
        var grouped = FeatureMap(height: 0, width: 0, channels: 0)
        var output = grouped
        apply(input, kernels: kernels, grouped: &grouped, into: &output)
        return output
    }

    /// `apply` into `output`, with `grouped` as the kernels' scratch; both maps' storage is kept when large enough.
    func apply(_ input: FeatureMap, kernels: any ConvolutionKernels, team: ThreadTeam = .single, grouped: inout FeatureMap,
               into output: inout FeatureMap) {
        precondition(input.channels == inputs, "transposed convolution channel mismatch")
        kernels.transposedConvolve(input, self, team: team, grouped: &grouped, into: &output)
    }

    /// The phase convolution alone: pixel (i, j) of `grouped` holds output pixel (2i + py, 2j + px)'s outputs from
    /// channel `phaseChannel(py:px:)` on.
    func convolvePhases(_ input: FeatureMap, kernels: any ConvolutionKernels, into grouped: inout FeatureMap) {
        precondition(input.channels == inputs, "transposed convolution channel mismatch")
        kernels.convolve(input, phases, relu: false, into: &grouped)
    }

    /// Where phase (py, px)'s outputs start in a pixel of the phase convolution's output.
    func phaseChannel(py: Int, px: Int) -> Int { (2 * py + px) * outputs }

    /// The phase convolution's output (of a `height` x `width` input) as the layer's output, 2 * height x 2 * width,
    /// rows split across `team`'s threads; every value of `output` is written.
    func interleavePhases(_ grouped: FeatureMap, height h: Int, width w: Int, team: ThreadTeam, into output: inout FeatureMap) {
        precondition(grouped.height == h && grouped.width == w && grouped.channels == 4 * outputs, "phase map mismatch")
        let o = outputs
        output.reshapeUninitialized(height: 2 * h, width: 2 * w, channels: o)
        grouped.values.withUnsafeBufferPointer { g in
            output.values.withUnsafeMutableBufferPointer { out in
                team.forEachChunk(h) { rows in
                    for i in rows {
                        for j in 0..<w {
                            for py in 0..<2 {
                                for px in 0..<2 {
                                    let target = ((2 * i + py) * 2 * w + 2 * j + px) * o
                                    let source = (i * w + j) * 4 * o + phaseChannel(py: py, px: px)
                                    for c in 0..<o { out[target + c] = g[source + c] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Output (y, x) receives input (iy, ix) through tap (ky, kx) when y = 2*iy - 1 + ky and x = 2*ix - 1 + kx.
    func callAsFunction(_ input: FeatureMap) -> FeatureMap {
        precondition(input.channels == inputs, "transposed convolution channel mismatch")
        let (h, w) = (input.height, input.width)
        var output = FeatureMap(height: 2 * h, width: 2 * w, channels: outputs)
        for y in 0..<(2 * h) {
            for x in 0..<(2 * w) {
                for o in 0..<outputs {
                    var sum = bias[o]
                    for ky in 0..<3 {
                        let ny = y + 1 - ky
                        guard ny >= 0, ny % 2 == 0, ny / 2 < h else { continue }
                        for kx in 0..<3 {
                            let nx = x + 1 - kx
                            guard nx >= 0, nx % 2 == 0, nx / 2 < w else { continue }
                            for c in 0..<inputs {
                                sum += weight[((c * outputs + o) * 3 + ky) * 3 + kx] * input[ny / 2, nx / 2, c]
                            }
                        }
                    }
                    output[y, x, o] = sum
                }
            }
        }
        return output
    }
}
