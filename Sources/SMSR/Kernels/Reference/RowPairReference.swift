extension ReferenceKernels {
    /// The twin of the vector kernels' `RowPairWinograd`, in plain loops: a 3x3 convolution without bias, every input read
    /// as stored, at `positions` (row-major pixel indices in increasing order) for outputs `0..<outputs`, then ReLU if
    /// asked; pixels not listed keep their values. Consecutive positions of one row away from the border are taken in
    /// pairs from left to right, as the kernel takes them, and computed by Winograd's F(2, 3) along the row from
    /// `pairs` (U1, U2) and `weights` (U0 and U3, the taps kx = 0 and 2); the other positions sum their taps from `weights`.
    func rowPairConvolve(_ input: FeatureMap, _ weights: ConvWeights, pairs: RowPairWeights, positions: [Int], outputs: Int,
                         relu: Bool, into output: inout FeatureMap) {
        let (h, w, cin) = (input.height, input.width, input.channels)
        precondition(weights.kernelSize == 3 && weights.inputs == cin && pairs.inputs == cin && outputs <= weights.outputs,
                     "row pair shape mismatch")
        precondition(output.height == h && output.width == w, "output size mismatch")
        let lane = pairs.laneOutputs
        func finish(_ value: Float) -> Float { relu ? max(value, 0) : value }
        var i = 0
        while i < positions.count {
            let q = positions[i]
            let (y, x) = (q / w, q % w)
            if i + 1 < positions.count && positions[i + 1] == q + 1 && y >= 1 && y < h - 1 && x >= 1 && x + 2 < w {
                for co in 0..<outputs {
                    var m: [Float] = [0, 0, 0, 0]
                    for ky in 0..<3 {
                        for ci in 0..<cin {
                            let d = (0..<4).map { input[y + ky - 1, x - 1 + $0, ci] }
                            let v = [d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]]
                            let u = [weights.values[((ky * 3 + 0) * cin + ci) * weights.outputs + co],
                                     pairs.values[((0 * 3 + ky) * cin + ci) * lane + co],
                                     pairs.values[((1 * 3 + ky) * cin + ci) * lane + co],
                                     weights.values[((ky * 3 + 2) * cin + ci) * weights.outputs + co]]
                            for k in 0..<4 { m[k] += u[k] * v[k] }
                        }
                    }
                    output[y, x, co] = finish(m[0] + m[1] + m[2])
                    output[y, x + 1, co] = finish(m[1] - m[2] - m[3])
                }
                i += 2
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
}
