extension Image {
    /// The alpha samples as one `height * width` plane in [0, 255], or nil without alpha.
    public func alphaPlane() -> [Float]? {
        guard layout.hasAlpha else { return nil }
        let channels = layout.channelCount
        return (0..<pixelCount).map { Float(pixels[$0 * channels + channels - 1]) }
    }

    /// The image with `plane` (`height * width` values, quantized like `init(planarRGB:)`) as
    /// its alpha: RGB becomes RGBA and gray becomes gray+alpha; existing alpha is replaced.
    public func attachingAlpha(_ plane: [Float]) -> Image {
        precondition(plane.count == pixelCount, "alpha plane of \(plane.count) for a \(width)x\(height) image")
        let colorChannels = layout.withoutAlpha.channelCount
        let sourceChannels = layout.channelCount
        let target = layout.withAlpha
        var output = [UInt8]()
        output.reserveCapacity(pixelCount * target.channelCount)
        for index in 0..<pixelCount {
            let base = index * sourceChannels
            output.append(contentsOf: pixels[base..<base + colorChannels])
            output.append(quantizedSample(plane[index]))
        }
        return Image(width: width, height: height, layout: target, pixels: output)
    }
}
