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
        let (sw, sh) = (width * scale, height * scale)
        var rows = [Float](repeating: 0, count: height * sw)
        var output = [Float](repeating: 0, count: sh * sw)
        plane.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { r in
                widenRows(src.baseAddress!, height: height, width: width, into: r.baseAddress!, team: team)
            }
        }
        let rowTaps = taps(sh, height)
        rows.withUnsafeBufferPointer { r in
            output.withUnsafeMutableBufferPointer { out in
                team.forEachChunk(sh) { ys in
                    for y in ys { interpolateRow(y, taps: rowTaps, rows: r.baseAddress!, width: sw, into: out.baseAddress! + y * sw) }
                }
            }
        }
        return output
    }

    /// Per output coordinate of `n` (along a side of `source` values): the four clamped source indices and the phase's
    /// weights.
    func taps(_ n: Int, _ source: Int) -> (index: [Int], weight: [Float]) {
        var index = [Int](repeating: 0, count: 4 * n)
        var weight = [Float](repeating: 0, count: 4 * n)
        for d in 0..<n {
            let (first, weights) = phases[d % scale]
            for t in 0..<4 {
                index[4 * d + t] = min(max(d / scale + first + t, 0), source - 1)
                weight[4 * d + t] = weights[t]
            }
        }
        return (index, weight)
    }

    /// The first pass: each of the plane's `height` rows interpolated to `width * scale` values, into `rows`.
    func widenRows(_ plane: UnsafePointer<Float>, height: Int, width: Int, into rows: UnsafeMutablePointer<Float>, team: ThreadTeam) {
        let sw = width * scale
        let columns = taps(sw, width)
        nonisolated(unsafe) let rows = rows
        columns.index.withUnsafeBufferPointer { ci in
            columns.weight.withUnsafeBufferPointer { cw in
                team.forEachChunk(height) { ys in
                    for y in ys {
                        let line = plane + y * width
                        for x in 0..<sw {
                            var sum: Float = 0
                            for t in 0..<4 { sum += cw[4 * x + t] * line[ci[4 * x + t]] }
                            rows[y * sw + x] = sum
                        }
                    }
                }
            }
        }
    }

    /// The second pass for output row `y`: the four widened rows its taps (`taps(outputHeight, height)`) name,
    /// weighted, into `output` (`width` values: the widened width).
    @inline(__always)
    func interpolateRow(_ y: Int, taps: (index: [Int], weight: [Float]), rows: UnsafePointer<Float>, width: Int,
                        into output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: width)
        for t in 0..<4 {
            let weight = taps.weight[4 * y + t]
            let line = rows + taps.index[4 * y + t] * width
            for x in 0..<width { output[x] += weight * line[x] }
        }
    }
}
