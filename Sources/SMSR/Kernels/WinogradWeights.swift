/// A 3x3 convolution's weights transformed for Winograd's F(2x2, 3x3) (`smsr_winograd`): U = G g G^T for each input
/// and output, laid out `values[(component * inputs + ci) * laneOutputs + co]` with component = 4 * row + column of
/// U, and output columns padded with zeros to whole 16-float vectors.
public struct WinogradWeights: Sendable, Equatable {
    public let inputs: Int
    public let laneOutputs: Int
    public let values: [Float]

    /// Nil where the kernels take no Winograd form: other kernel sizes, inputs not in whole 16-channel vectors, or
    /// weights with all-zero taps (which the direct convolution skips).
    init?(kernelSize: Int, inputs: Int, outputs: Int, values g: [Float], emptyTaps: UInt32) {
        guard kernelSize == 3, inputs > 0, inputs % 16 == 0, inputs <= 1024, outputs > 0, emptyTaps == 0 else { return nil }
        let lane = ConvWeights.laneOutputs(outputs)
        // G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], in double precision, rounded once.
        let G: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        var u = [Float](repeating: 0, count: 16 * inputs * lane)
        for ci in 0..<inputs {
            for co in 0..<outputs {
                for r in 0..<4 {
                    // Row r of G g, then times G^T.
                    var row = (0.0, 0.0, 0.0)
                    for ky in 0..<3 {
                        let base = (ky * 3 * inputs + ci) * outputs + co
                        row.0 += G[r][ky] * Double(g[base])
                        row.1 += G[r][ky] * Double(g[base + inputs * outputs])
                        row.2 += G[r][ky] * Double(g[base + 2 * inputs * outputs])
                    }
                    for c in 0..<4 {
                        let value = row.0 * G[c][0] + row.1 * G[c][1] + row.2 * G[c][2]
                        u[((r * 4 + c) * inputs + ci) * lane + co] = Float(value)
                    }
                }
            }
        }
        self.inputs = inputs
        laneOutputs = lane
        values = u
    }
}
