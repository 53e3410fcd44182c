extension ReferenceKernels {
    /// The twin of the vector kernels' `RowPairWinograd`, in plain loops: a 3x3 convolution without bias, every input read
    /// as stored, at `positions` (row-major pixel indices in increasing order) for outputs `0..<outputs`, then ReLU if
    /// asked; pixels not listed keep their values. Runs of consecutive positions of one row away from the border are cut
    /// from the left into tiles of `sizes` (of 4 and 2) as the kernel cuts them (`RowPairCount.tile`), and each tile
    /// of m is computed by Winograd's F(m, 3) along the row (`rowTileMatrices`) from `pairs` (U1 ... Um) and `weights`
    /// (U0 and U(m+1), the taps kx = 0 and 2), its first outputs written; the other positions sum their taps from
    /// `weights`.
    func rowPairConvolve(_ input: FeatureMap, _ weights: ConvWeights, pairs: RowPairWeights, sizes: [Int] = [2],
                         positions: [Int], outputs: Int, relu: Bool, into output: inout FeatureMap) {
        let (h, w, cin) = (input.height, input.width, input.channels)
        precondition(weights.kernelSize == 3 && weights.inputs == cin && pairs.inputs == cin && outputs <= weights.outputs,
                     "row pair shape mismatch")
        precondition(output.height == h && output.width == w, "output size mismatch")
        let lane = pairs.laneOutputs
        let sizes = sizes.sorted(by: >)
        func finish(_ value: Float) -> Float { relu ? max(value, 0) : value }
        var i = 0
        while i < positions.count {
            let q = positions[i]
            let (y, x) = (q / w, q % w)
            var run = 0
            while y >= 1 && y < h - 1 && x >= 1 && run < 4 && x + run < w - 1 && i + run < positions.count
                    && positions[i + run] == q + run {
                run += 1
            }
            if let tile = RowPairCount.tile(run: run, room: w - 1 - x, sizes: sizes) {
                let m = tile.size
                let (bt, at) = Self.rowTileMatrices(m)
                let u = pairs.values(size: m)
                for co in 0..<outputs {
                    var products = [Float](repeating: 0, count: m + 2)
                    for ky in 0..<3 {
                        for ci in 0..<cin {
                            let d = (0..<(m + 2)).map { input[y + ky - 1, x - 1 + $0, ci] }
                            for k in 0..<(m + 2) {
                                var v: Float = 0
                                for t in 0..<(m + 2) { v += bt[k][t] * d[t] }
                                let weight = switch k {
                                case 0: weights.values[((ky * 3 + 0) * cin + ci) * weights.outputs + co]
                                case m + 1: weights.values[((ky * 3 + 2) * cin + ci) * weights.outputs + co]
                                default: u[(((k - 1) * 3 + ky) * cin + ci) * lane + co]
                                }
                                products[k] += weight * v
                            }
                        }
                    }
                    for p in 0..<tile.stored {
                        var value: Float = 0
                        for k in 0..<(m + 2) { value += at[p][k] * products[k] }
                        output[y, x + p, co] = finish(value)
                    }
                }
                i += tile.stored
                continue
            }
            for co in 0..<outputs {
                var sum: Float = 0
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        let (iy, ix) = (y + ky - 1, x + kx - 1)
                        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                        for ci in 0..<cin { sum += weights.values[((ky * 3 + kx) * cin + ci) * weights.outputs + co] * input[iy, ix, ci] }
                    }
                }
                output[y, x, co] = finish(sum)
            }
            i += 1
        }
    }

    /// B^T (m + 2 rows of the tile's m + 2 inputs) and A^T (m rows of the m + 2 products) of F(m, 3) along the row, with
    /// `RowPairWeights.interpolation(m)` as G: y = A^T [(G g) . (B^T d)] is the m outputs' 3-tap correlation.
    static func rowTileMatrices(_ m: Int) -> (bt: [[Float]], at: [[Float]]) {
        switch m {
        case 2:
            return ([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], [[1, 1, 1, 0], [0, 1, -1, -1]])
        default:
            precondition(m == 4, "tiles of 2 or 4")
            // Interpolation points 0, 1, -1, 1/2, -2 and infinity; columns 1 and 2 of A^T carry 2/3 and -2/3: U1 and U2
            // are the pairs' (`RowPairWeights.interpolation`).
            let twoThirds: Float = 2.0 / 3
            return ([[1, -1.5, -2, 1.5, 1, 0], [0, -1, 0.5, 2.5, 1, 0], [0, 1, -2.5, 0.5, 1, 0], [0, -2, -1, 2, 1, 0],
                     [0, 0.5, -1, -0.5, 1, 0], [0, 1, -1.5, -2, 1.5, 1]],
                    [[1, twoThirds, -twoThirds, 1, 1, 0], [0, twoThirds, twoThirds, 0.5, -2, 0], [0, twoThirds, -twoThirds, 0.25, 4, 0],
                     [0, twoThirds, twoThirds, 0.125, -8, 1]])
        }
    }
}
