/// The mask generator's last layer: a 3x3 transposed convolution with stride 2, padding 1 and output
/// padding 1, doubling the size. Weights keep PyTorch's layout (in, out, 3, 3).
struct TransposedConvolution: Sendable {
    let inputs: Int
    let outputs: Int
    let weight: [Float]
    let bias: [Float]

    init(weight: Tensor, bias: Tensor) {
        precondition(weight.shape.count == 4 && weight.shape[2] == 3 && weight.shape[3] == 3, "expected a 3x3 kernel")
        inputs = weight.shape[0]
        outputs = weight.shape[1]
        self.weight = weight.values
        self.bias = bias.values
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
