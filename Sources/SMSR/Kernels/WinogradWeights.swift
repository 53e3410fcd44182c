/// A 3x3 convolution's weights transformed for Winograd's F(m x n, 3x3) (`smsr_winograd`): U = G_m g G_n^T for each
/// input and output, laid out `values[(component * inputs + ci) * laneOutputs + co]` with component = (n + 2) * row +
/// column of U, and output columns padded with zeros to whole 16-float vectors.
public struct WinogradWeights: Sendable, Equatable {
    /// m and n: each block of m x n output pixels takes (m + 2)(n + 2) multiply-adds per input and output, against 9 m n
    /// for the taps.
    public let blockHeight: Int
    public let blockWidth: Int
    public let laneOutputs: Int
    public let values: [Float]

    /// G for F(2, 3) (interpolation points 0, 1, -1) and F(4, 3) (0, 1, -1, 1/2, -2), and infinity for both: row j is
    /// point p_j's powers over the product of its differences to the other finite points.
    static func interpolation(_ blockSize: Int) -> [[Double]] {
        if blockSize == 2 { return [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]] }
        let (third, fifteenth): (Double, Double) = (1.0 / 3, 1.0 / 15)
        return [[1, 0, 0], [third, third, third], [-third, third, -third],
                [-16 * fifteenth, -8 * fifteenth, -4 * fifteenth], [fifteenth, -2 * fifteenth, 4 * fifteenth], [0, 0, 1]]
    }

    /// Nil where the kernels take no Winograd form: other kernel sizes, inputs not in whole 16-channel vectors, or
    /// weights with all-zero taps (which the direct convolution skips).
    init?(kernelSize: Int, inputs: Int, outputs: Int, values g: [Float], emptyTaps: UInt32, blockHeight: Int,
          blockWidth: Int) {
        guard kernelSize == 3, inputs > 0, inputs % 16 == 0, inputs <= 1024, outputs > 0, emptyTaps == 0,
              [2, 4].contains(blockHeight), [2, 4].contains(blockWidth) else { return nil }
        let lane = ConvWeights.laneOutputs(outputs)
        let (rowG, columnG) = (Self.interpolation(blockHeight), Self.interpolation(blockWidth))
        let (rows, columns) = (blockHeight + 2, blockWidth + 2)
        var u = [Float](repeating: 0, count: rows * columns * inputs * lane)
        // In double precision, rounded once.
        for ci in 0..<inputs {
            for co in 0..<outputs {
                for r in 0..<rows {
                    // Row r of G_m g, then times G_n^T.
                    var row = (0.0, 0.0, 0.0)
                    for ky in 0..<3 {
                        let base = (ky * 3 * inputs + ci) * outputs + co
                        row.0 += rowG[r][ky] * Double(g[base])
                        row.1 += rowG[r][ky] * Double(g[base + inputs * outputs])
                        row.2 += rowG[r][ky] * Double(g[base + 2 * inputs * outputs])
                    }
                    for c in 0..<columns {
                        let value = row.0 * columnG[c][0] + row.1 * columnG[c][1] + row.2 * columnG[c][2]
                        u[((r * columns + c) * inputs + ci) * lane + co] = Float(value)
                    }
                }
            }
        }
        self.blockHeight = blockHeight
        self.blockWidth = blockWidth
        laneOutputs = lane
        values = u
    }
}
