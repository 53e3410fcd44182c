/// A 3x3 convolution's weights for pairs of neighbouring pixels of a row by Winograd's F(2, 3) along the row
/// (`smsr_row_pairs`): per kernel row, U = G g of its three taps. U0 and U3 are the taps kx = 0 and kx = 2 themselves,
/// which the kernels read from the layer's own weights; `values` holds U1 and U2 alone, laid out
/// `values[(((component - 1) * 3 + ky) * inputs + ci) * laneOutputs + co]`, output columns padded with zeros to whole
/// 16-float vectors.
public struct RowPairWeights: Sendable, Equatable {
    public let inputs: Int
    public let laneOutputs: Int
    public let values: [Float]

    /// Nil where the kernels take no such form: other kernel sizes, inputs not in whole 16-channel vectors (at most
    /// 256), or weights with all-zero taps (which the direct convolution skips).
    init?(_ weights: ConvWeights) {
        let (inputs, outputs) = (weights.inputs, weights.outputs)
        guard weights.kernelSize == 3, inputs > 0, inputs % 16 == 0, inputs <= 256, outputs > 0, weights.emptyTaps == 0
        else { return nil }
        let lane = ConvWeights.laneOutputs(outputs)
        let G = WinogradWeights.interpolation(2)
        let g = weights.values
        var u = [Float](repeating: 0, count: 2 * 3 * inputs * lane)
        // In double precision, rounded once.
        for ky in 0..<3 {
            for ci in 0..<inputs {
                for co in 0..<outputs {
                    let taps = (0..<3).map { kx in Double(g[((ky * 3 + kx) * inputs + ci) * outputs + co]) }
                    for k in 1...2 {
                        let value = G[k][0] * taps[0] + G[k][1] * taps[1] + G[k][2] * taps[2]
                        u[(((k - 1) * 3 + ky) * inputs + ci) * lane + co] = Float(value)
                    }
                }
            }
        }
        self.inputs = inputs
        laneOutputs = lane
        values = u
    }
}
