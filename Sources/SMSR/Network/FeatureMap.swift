/// A stack of feature planes in channels-last order: element (y, x, c) lives at
/// `(y * width + x) * channels + c`, so a pixel's channels are contiguous for the kernels' inner loops.
public struct FeatureMap: Sendable, Equatable {
    public let height: Int
    public let width: Int
    public let channels: Int
    public var values: [Float]

    public init(height: Int, width: Int, channels: Int, values: [Float]) {
        precondition(values.count == height * width * channels, "feature map size mismatch")
        self.height = height
        self.width = width
        self.channels = channels
        self.values = values
    }

    public init(height: Int, width: Int, channels: Int, repeating value: Float = 0) {
        var values = FeatureStorage.uninitialized(count: height * width * channels)
        values.withUnsafeMutableBufferPointer { $0.initialize(repeating: value) }
        self.init(height: height, width: width, channels: channels, values: values)
    }

    public var pixelCount: Int { height * width }

    /// Converts planar (channel-major) values into channels-last order.
    public init(planar: [Float], height: Int, width: Int, channels: Int) {
        precondition(planar.count == height * width * channels, "planar size mismatch")
        var values = [Float](repeating: 0, count: planar.count)
        let plane = height * width
        for c in 0..<channels {
            for p in 0..<plane { values[p * channels + c] = planar[c * plane + p] }
        }
        self.init(height: height, width: width, channels: channels, values: values)
    }

    /// The values in planar (channel-major) order, as PyTorch lays them out.
    public func planar() -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        let plane = height * width
        for p in 0..<plane {
            for c in 0..<channels { out[c * plane + p] = values[p * channels + c] }
        }
        return out
    }

    public subscript(y: Int, x: Int, c: Int) -> Float {
        get { values[(y * width + x) * channels + c] }
        set { values[(y * width + x) * channels + c] = newValue }
    }
}
