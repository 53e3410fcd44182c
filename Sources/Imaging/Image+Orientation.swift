extension Image {
    /// The image turned upright for an EXIF orientation value.
    ///
    /// 1 upright, 2 mirrored left-right, 3 turned 180°, 4 mirrored top-bottom, 5 transposed
    /// (mirrored across the main diagonal), 6 needs a quarter turn clockwise, 7 transversed
    /// (mirrored across the other diagonal), 8 needs a quarter turn counter-clockwise. Values
    /// outside 1-8 leave the image unchanged.
    public func oriented(_ orientation: Int) -> Image {
        guard (2...8).contains(orientation), width > 0, height > 0 else { return self }
        let w = width
        let h = height
        // Output pixel (x, y) reads source pixel start + x * xStep + y * yStep (in pixels).
        let (start, xStep, yStep): (Int, Int, Int) =
            switch orientation {
            case 2: (w - 1, -1, w)
            case 3: ((h - 1) * w + w - 1, -1, -w)
            case 4: ((h - 1) * w, 1, -w)
            case 5: (0, w, 1)
            case 6: ((h - 1) * w, -w, 1)
            case 7: ((h - 1) * w + w - 1, -w, -1)
            default: (w - 1, w, -1)  // 8
            }
        let swaps = orientation >= 5
        let outWidth = swaps ? h : w
        let outHeight = swaps ? w : h
        let channels = layout.channelCount
        let output = [UInt8](unsafeUninitializedCapacity: pixels.count) { target, initialized in
            pixels.withUnsafeBufferPointer { source in
                var write = 0
                for y in 0..<outHeight {
                    var read = start + y * yStep
                    for _ in 0..<outWidth {
                        for c in 0..<channels { target[write + c] = source[read * channels + c] }
                        write += channels
                        read += xStep
                    }
                }
            }
            initialized = pixels.count
        }
        return Image(width: outWidth, height: outHeight, layout: layout, pixels: output)
    }
}
