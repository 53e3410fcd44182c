/// Pooling used by the mask generator and channel attention; cheap next to the convolutions.
enum Pooling {
    /// 2x2 average pooling, stride 2; an odd last row or column is dropped (PyTorch's floor mode).
    static func average2x2(_ input: FeatureMap) -> FeatureMap {
        let (h2, w2, c) = (input.height / 2, input.width / 2, input.channels)
        var output = FeatureMap(height: h2, width: w2, channels: c)
        for y in 0..<h2 {
            for x in 0..<w2 {
                for ch in 0..<c {
                    let sum = input[2 * y, 2 * x, ch] + input[2 * y, 2 * x + 1, ch]
                        + input[2 * y + 1, 2 * x, ch] + input[2 * y + 1, 2 * x + 1, ch]
                    output[y, x, ch] = sum * 0.25
                }
            }
        }
        return output
    }

    /// The mean of each channel over all pixels, summed in double precision.
    static func globalAverage(_ input: FeatureMap) -> [Float] {
        var sums = [Double](repeating: 0, count: input.channels)
        input.values.withUnsafeBufferPointer { x in
            for p in 0..<input.pixelCount {
                for c in 0..<input.channels { sums[c] += Double(x[p * input.channels + c]) }
            }
        }
        let count = Double(max(input.pixelCount, 1))
        return sums.map { Float($0 / count) }
    }
}
