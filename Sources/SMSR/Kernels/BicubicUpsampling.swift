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
        precondition(plane.count == height * width, "plane size mismatch")
        let (sw, sh) = (width * scale, height * scale)
        guard height > 0, width > 0 else { return [] }
        var rows = [Float](repeating: 0, count: height * sw)
        for y in 0..<height {
            for x in 0..<sw {
                let (first, weights) = phases[x % scale]
                var sum: Float = 0
                for t in 0..<4 {
                    let ix = min(max(x / scale + first + t, 0), width - 1)
                    sum += weights[t] * plane[y * width + ix]
                }
                rows[y * sw + x] = sum
            }
        }
        var output = [Float](repeating: 0, count: sh * sw)
        for y in 0..<sh {
            let (first, weights) = phases[y % scale]
            for t in 0..<4 {
                let iy = min(max(y / scale + first + t, 0), height - 1)
                let weight = weights[t]
                for x in 0..<sw { output[y * sw + x] += weight * rows[iy * sw + x] }
            }
        }
        return output
    }
}
