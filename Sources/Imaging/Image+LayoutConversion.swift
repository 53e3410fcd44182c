extension Image {
    /// The image in another layout.
    ///
    /// Color to gray uses BT.601 luma, `0.299 R + 0.587 G + 0.114 B`, rounded half up (exactly,
    /// in integers). Gray to color replicates the sample. Alpha is kept when both layouts have
    /// it, dropped when the target has none, and added as opaque (255) when the source has none.
    public func converted(to target: PixelLayout) -> Image {
        guard target != layout else { return self }
        let sourceChannels = layout.channelCount
        let targetChannels = target.channelCount
        var output = [UInt8](repeating: 0, count: pixelCount * targetChannels)
        pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { out in
                for index in 0..<pixelCount {
                    let from = index * sourceChannels
                    let to = index * targetChannels
                    switch (layout.isGray, target.isGray) {
                    case (true, true):
                        out[to] = source[from]
                    case (true, false):
                        out[to] = source[from]
                        out[to + 1] = source[from]
                        out[to + 2] = source[from]
                    case (false, true):
                        let luma =
                            299 * Int(source[from]) + 587 * Int(source[from + 1]) + 114 * Int(source[from + 2])
                        out[to] = UInt8((luma + 500) / 1000)
                    case (false, false):
                        out[to] = source[from]
                        out[to + 1] = source[from + 1]
                        out[to + 2] = source[from + 2]
                    }
                    if target.hasAlpha {
                        out[to + targetChannels - 1] = layout.hasAlpha ? source[from + sourceChannels - 1] : 255
                    }
                }
            }
        }
        return Image(width: width, height: height, layout: target, pixels: output)
    }
}
