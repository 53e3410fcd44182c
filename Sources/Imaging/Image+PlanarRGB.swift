extension Image {
    /// Three planes R, G, B (each `height * width`, row-major) with values in [0, 255], the
    /// network's input. Gray is replicated into all three planes; alpha is ignored.
    public func planarRGB() -> [Float] {
        let count = pixelCount
        let channels = layout.channelCount
        // Gray reads sample 0 for every plane; color reads samples 0, 1, 2.
        let offsets = layout.isGray ? (0, 0, 0) : (0, 1, 2)
        return [Float](unsafeUninitializedCapacity: 3 * count) { planes, initialized in
            pixels.withUnsafeBufferPointer { source in
                for index in 0..<count {
                    let base = index * channels
                    planes[index] = Float(source[base + offsets.0])
                    planes[count + index] = Float(source[base + offsets.1])
                    planes[2 * count + index] = Float(source[base + offsets.2])
                }
            }
            initialized = 3 * count
        }
    }

    /// An RGB image from three planes R, G, B (each `height * width`): values are clamped to
    /// [0, 255] and rounded half to even (84.5 -> 84, 85.5 -> 86).
    public init(planarRGB planes: [Float], width: Int, height: Int) {
        let count = width * height
        precondition(planes.count == 3 * count, "\(planes.count) samples are not 3 planes of \(width)x\(height)")
        let pixels = [UInt8](unsafeUninitializedCapacity: 3 * count) { target, initialized in
            planes.withUnsafeBufferPointer { source in
                for index in 0..<count {
                    target[3 * index] = quantizedSample(source[index])
                    target[3 * index + 1] = quantizedSample(source[count + index])
                    target[3 * index + 2] = quantizedSample(source[2 * count + index])
                }
            }
            initialized = 3 * count
        }
        self.init(width: width, height: height, layout: .rgb, pixels: pixels)
    }
}
