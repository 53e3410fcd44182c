import CCodecs

/// Calls the C decoders: header first, then pixels into a buffer this side allocates, so a size
/// check can happen in between.
enum NativeDecoder {
    static func header(of bytes: [UInt8], format: ImageFormat) throws(ImageError) -> cc_image_info {
        var info = cc_image_info()
        var status = cc_error()
        let code = bytes.withUnsafeBufferPointer { input in
            switch format {
            case .png: cc_png_read_header(input.baseAddress, input.count, &info, &status)
            case .jpeg: cc_jpeg_read_header(input.baseAddress, input.count, &info, &status)
            case .webp: cc_webp_read_header(input.baseAddress, input.count, &info, &status)
            }
        }
        guard code == CC_OK else { throw status.imageError(info: info) }
        return info
    }

    /// Decodes into exactly `sampleCount` bytes (`width * height * channels` of the header).
    static func pixels(of bytes: [UInt8], format: ImageFormat, sampleCount: Int) throws(ImageError) -> [UInt8] {
        var status = cc_error()
        var code = CC_OK
        let pixels = bytes.withUnsafeBufferPointer { input in
            [UInt8](unsafeUninitializedCapacity: sampleCount) { output, initialized in
                code =
                    switch format {
                    case .png: cc_png_decode(input.baseAddress, input.count, output.baseAddress, sampleCount, &status)
                    case .jpeg: cc_jpeg_decode(input.baseAddress, input.count, output.baseAddress, sampleCount, &status)
                    case .webp: cc_webp_decode(input.baseAddress, input.count, output.baseAddress, sampleCount, &status)
                    }
                // On failure the buffer may be partly written; report it as empty.
                initialized = code == CC_OK ? sampleCount : 0
            }
        }
        guard code == CC_OK else { throw status.imageError() }
        return pixels
    }
}
