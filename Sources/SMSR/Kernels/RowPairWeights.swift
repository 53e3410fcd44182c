/// A 3x3 convolution's weights for runs of neighbouring pixels of a row in tiles of m outputs by Winograd's F(m, 3)
/// along the row (`smsr_row_pairs`): per kernel row, U = G g of its three taps. U0 and U(m+1) are the taps kx = 0 and
/// kx = 2 themselves (G's first row is (1, 0, 0), its last (0, 0, 1)), which the kernels read from the layer's own
/// weights; the values hold U1 ... Um alone, laid out
/// `values[(((component - 1) * 3 + ky) * inputs + ci) * laneOutputs + co]`, output columns padded with zeros to whole
/// 16-float vectors. Pairs and tiles of 4 share one array: F(4, 3)'s G rows 1 and 2 are the pairs' (points 1 and -1),
/// so pairs read its first two components and tiles of 4 all four.
public struct RowPairWeights: Sendable, Equatable {
    /// The tile sizes the masked passes cut runs into, longest first (`RowPairCount` counts the same tiles). Tiles of 6
    /// (F(6, 3)) multiplied least but timed no faster than tiles of 4 and pairs on Zen 4, AVX-512 or AVX2, and their
    /// rounding moved a golden crop's block outputs past 1e-3 (Benchmarks/engine.md, kernel choices): measured, then
    /// removed.
    static let tileSizes = [4, 2]

    public let inputs: Int
    public let laneOutputs: Int
    /// Pairs and tiles of 4: components 1 and 2 of F(2, 3), which are F(4, 3)'s too, then F(4, 3)'s components 3 and 4
    /// where tiles of 4 are taken.
    public let values: [Float]

    /// Nil where the kernels take no such form: other kernel sizes, inputs not in whole 16-channel vectors (at most
    /// 256), or weights with all-zero taps (which the direct convolution skips).
    init?(_ weights: ConvWeights, sizes: [Int] = tileSizes) {
        let (inputs, outputs) = (weights.inputs, weights.outputs)
        guard weights.kernelSize == 3, inputs > 0, inputs % 16 == 0, inputs <= 256, outputs > 0, weights.emptyTaps == 0
        else { return nil }
        let lane = ConvWeights.laneOutputs(outputs)
        self.inputs = inputs
        laneOutputs = lane
        values = Self.transformed(weights, G: Self.interpolation(sizes.contains(4) ? 4 : 2), lane: lane)
    }

    /// The weights of tiles of `size` (2 or 4); pairs read the first two components of tiles of 4's. Empty where that
    /// size was not asked for.
    func values(size: Int) -> [Float] {
        precondition(size == 2 || size == 4, "tiles of 2 or 4")
        return size == 2 || self.values.count == 4 * 3 * inputs * laneOutputs ? self.values : []
    }

    /// G of F(m, 3) along the row, m + 2 rows (interpolation points 0, 1, -1 for m = 2; 0, 1, -1, 1/2, -2 for m = 4,
    /// which round less than 0, +-1, +-2; then infinity); the first row is (1, 0, 0). F(4, 3)'s rows 1
    /// and 2 are the pairs' (1/2 (g0 +- g1 + g2), where F(4, 3)'s own are 1/3 (g0 + g1 + g2) and -1/3 (g0 - g1 + g2)),
    /// so the two share those components; F(4, 3)'s output transform carries the factors 2/3 and -2/3.
    static func interpolation(_ size: Int) -> [[Double]] {
        switch size {
        case 2: return [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        default:
            precondition(size == 4, "tiles of 2 or 4")
            let fifteenth = 1.0 / 15
            return [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5],
                    [-16 * fifteenth, -8 * fifteenth, -4 * fifteenth], [fifteenth, -2 * fifteenth, 4 * fifteenth], [0, 0, 1]]
        }
    }

    /// U1 ... Um in double precision, rounded once.
    private static func transformed(_ weights: ConvWeights, G: [[Double]], lane: Int) -> [Float] {
        let (inputs, outputs) = (weights.inputs, weights.outputs)
        let inner = G.count - 2
        let g = weights.values
        var u = [Float](repeating: 0, count: inner * 3 * inputs * lane)
        for ky in 0..<3 {
            for ci in 0..<inputs {
                for co in 0..<outputs {
                    let taps = (0..<3).map { kx in Double(g[((ky * 3 + kx) * inputs + ci) * outputs + co]) }
                    for k in 1...inner {
                        let value = G[k][0] * taps[0] + G[k][1] * taps[1] + G[k][2] * taps[2]
                        u[(((k - 1) * 3 + ky) * inputs + ci) * lane + co] = Float(value)
                    }
                }
            }
        }
        return u
    }
}
