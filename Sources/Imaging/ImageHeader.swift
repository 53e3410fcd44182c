/// What an image file's header says, read without decoding (or allocating) any pixels.
public struct ImageHeader: Sendable, Equatable {
    public let format: ImageFormat
    /// Width as stored in the file, before EXIF orientation is applied.
    public let width: Int
    /// Height as stored in the file, before EXIF orientation is applied.
    public let height: Int
    /// The layout `ImageCodec.decode` produces: PNG palettes become RGB, `tRNS` becomes alpha,
    /// JPEG CMYK becomes RGB.
    public let layout: PixelLayout
    /// Bits per sample as stored (PNG 1, 2, 4, 8 or 16; JPEG 8). Decoded pixels are always 8-bit.
    public let bitDepth: Int
    /// EXIF orientation, 1-8 (1 when absent or unreadable).
    public let orientation: Int
    /// PNG Adam7 interlacing, or a progressive JPEG.
    public let isInterlaced: Bool

    public init(
        format: ImageFormat, width: Int, height: Int, layout: PixelLayout, bitDepth: Int,
        orientation: Int = 1, isInterlaced: Bool = false
    ) {
        self.format = format
        self.width = width
        self.height = height
        self.layout = layout
        self.bitDepth = bitDepth
        self.orientation = orientation
        self.isInterlaced = isInterlaced
    }

    /// Stored pixel count, computed without overflow (saturates at `Int.max`).
    public var pixelCount: Int {
        let (product, overflow) = width.multipliedReportingOverflow(by: height)
        return overflow ? Int.max : product
    }

    /// Orientations 5-8 turn the image a quarter, swapping width and height.
    public var swapsAxes: Bool { (5...8).contains(orientation) }

    /// Width of the upright (decoded) image.
    public var uprightWidth: Int { swapsAxes ? height : width }

    /// Height of the upright (decoded) image.
    public var uprightHeight: Int { swapsAxes ? width : height }
}
