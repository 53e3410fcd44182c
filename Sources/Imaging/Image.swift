/// A decoded image: 8-bit samples, interleaved per pixel, rows top to bottom without padding.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let layout: PixelLayout
    /// `width * height * layout.channelCount` samples.
    public let pixels: [UInt8]

    /// Wraps `pixels`; their count must match the geometry (a programming error otherwise).
    public init(width: Int, height: Int, layout: PixelLayout, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size")
        precondition(
            pixels.count == width * height * layout.channelCount,
            "\(pixels.count) samples do not make a \(width)x\(height) \(layout) image")
        self.width = width
        self.height = height
        self.layout = layout
        self.pixels = pixels
    }

    public var pixelCount: Int { width * height }

    /// The samples of the pixel at column `x`, row `y`.
    public func pixel(x: Int, y: Int) -> ArraySlice<UInt8> {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) is outside the image")
        let start = (y * width + x) * layout.channelCount
        return pixels[start..<start + layout.channelCount]
    }
}
