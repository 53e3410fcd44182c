import CCodecs

/// Calls the C encoders and copies their malloc'ed output into a Swift array.
enum NativeEncoder {
    static func png(_ image: Image, compression: PNGCompression) throws(ImageError) -> [UInt8] {
        var settings = cc_png_settings(level: Int32(compression.level), strategy: compression.strategy.rawValue,
                                       filters: compression.filters.rawValue)
        return try encode(image) { pixels, width, height, channels, output, status in
            cc_png_encode(pixels, width, height, channels, &settings, output, status)
        }
    }

    /// `image` must be RGB or RGBA.
    static func webp(_ image: Image, quality: Int, lossless: Bool) throws(ImageError) -> [UInt8] {
        try encode(image) { pixels, width, height, channels, output, status in
            cc_webp_encode(pixels, width, height, channels, Int32(quality), lossless ? 1 : 0, output, status)
        }
    }

    /// `image` must be gray or RGB.
    static func jpeg(_ image: Image, quality: Int) throws(ImageError) -> [UInt8] {
        try encode(image) { pixels, width, height, channels, output, status in
            cc_jpeg_encode(pixels, width, height, channels, Int32(quality), output, status)
        }
    }

    private typealias Call = (
        UnsafePointer<UInt8>?, UInt32, UInt32, Int32, UnsafeMutablePointer<cc_buffer>,
        UnsafeMutablePointer<cc_error>
    ) -> Int32

    private static func encode(_ image: Image, call: Call) throws(ImageError) -> [UInt8] {
        guard image.width > 0, image.height > 0 else {
            throw .unencodable(detail: "a \(image.width)x\(image.height) image has no pixels")
        }
        guard let width = UInt32(exactly: image.width), let height = UInt32(exactly: image.height) else {
            throw .unencodable(detail: "\(image.width)x\(image.height) is too large for the format")
        }
        var output = cc_buffer()
        var status = cc_error()
        let code = image.pixels.withUnsafeBufferPointer { pixels in
            call(pixels.baseAddress, width, height, Int32(image.layout.channelCount), &output, &status)
        }
        defer { cc_buffer_free(&output) }
        guard code == CC_OK else { throw status.imageError() }
        guard let data = output.data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: output.size))
    }
}
