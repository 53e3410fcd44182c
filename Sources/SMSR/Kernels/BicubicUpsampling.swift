/// Bicubic upsampling by an integer factor exactly as PyTorch's `interpolate(mode: "bicubic",
/// align_corners: false)` computes it: a = -0.75, source coordinate (dst + 0.5) / s - 0.5, source indices
/// clamped to the border. Separable: rows first, then columns.
public struct BicubicUpsampling: Sendable {
    public let scale: Int
    /// For each output phase (dst mod s): the offset of the first of the four taps and their weights.
    let phases: [(first: Int, weights: [Float])]

    public init(scale: Int) {
        precondition(scale >= 1, "scale must be positive")
        self.scale = scale
        phases = (0..<scale).map { phase in
            let source = (Double(phase) + 0.5) / Double(scale) - 0.5
            let base = source.rounded(.down)
            let t = source - base
            return (Int(base) - 1, [Self.cubic(t + 1), Self.cubic(t), Self.cubic(1 - t), Self.cubic(2 - t)].map { Float($0) })
        }
    }

    /// Keys' cubic convolution kernel with a = -0.75.
    static func cubic(_ distance: Double) -> Double {
        let a = -0.75
        let x = abs(distance)
        if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }

    /// Upsamples one plane of `height` x `width` values (row-major).
    public func upsample(_ plane: [Float], height: Int, width: Int) -> [Float] {
        upsample(plane, height: height, width: width, team: .single)
    }

    /// The same, with the output rows split across `team`.
    public func upsample(_ plane: [Float], height: Int, width: Int, team: ThreadTeam) -> [Float] {
        precondition(plane.count == height * width, "plane size mismatch")
        guard height > 0, width > 0 else { return [] }
        let (sw, sh, s) = (width * scale, height * scale, scale)
        // Per output column and row: the four clamped source indices and the phase's weights.
        func taps(_ n: Int, _ source: Int) -> (index: [Int], weight: [Float]) {
            var index = [Int](repeating: 0, count: 4 * n)
            var weight = [Float](repeating: 0, count: 4 * n)
            for d in 0..<n {
                let (first, weights) = phases[d % s]
                for t in 0..<4 {
                    index[4 * d + t] = min(max(d / s + first + t, 0), source - 1)
                    weight[4 * d + t] = weights[t]
                }
            }
            return (index, weight)
        }
        let columns = taps(sw, width)
        let rowTaps = taps(sh, height)
        var rows = [Float](repeating: 0, count: height * sw)
        var output = [Float](repeating: 0, count: sh * sw)
        plane.withUnsafeBufferPointer { src in
            columns.index.withUnsafeBufferPointer { ci in
                columns.weight.withUnsafeBufferPointer { cw in
                    rows.withUnsafeMutableBufferPointer { r in
                        team.forEachChunk(height) { ys in
                            for y in ys {
                                let line = src.baseAddress! + y * width
                                for x in 0..<sw {
                                    var sum: Float = 0
                                    for t in 0..<4 { sum += cw[4 * x + t] * line[ci[4 * x + t]] }
                                    r[y * sw + x] = sum
                                }
                            }
                        }
                    }
                }
            }
        }
        rows.withUnsafeBufferPointer { r in
            rowTaps.index.withUnsafeBufferPointer { ri in
                rowTaps.weight.withUnsafeBufferPointer { rw in
                    output.withUnsafeMutableBufferPointer { out in
                        team.forEachChunk(sh) { ys in
                            for y in ys {
                                let o = out.baseAddress! + y * sw
                                for t in 0..<4 {
                                    let weight = rw[4 * y + t]
                                    let line = r.baseAddress! + ri[4 * y + t] * sw
                                    for x in 0..<sw { o[x] += weight * line[x] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
