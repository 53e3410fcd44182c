import CCodecs

/// Turns the C layer's status record into a typed error.
extension cc_error {
    /// The NUL-terminated message.
    var text: String {
        withUnsafeBytes(of: message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// The typed error for a failed call; `info` supplies the dimensions of a size-limit failure.
    func imageError(info: cc_image_info? = nil) -> ImageError {
        switch code {
        case CC_ERR_LIMIT:
            if let info, info.width > 0, info.height > 0 {
                return .tooLarge(
                    width: Int(info.width), height: Int(info.height), limit: ImageCodec.absoluteMaxPixels)
            }
            return .resourceLimit(detail: text)
        case CC_ERR_MEMORY:
            return .resourceLimit(detail: text)
        case CC_ERR_ARGUMENT:
            return .unencodable(detail: text)
        default:
            return .corrupt(detail: text)
        }
    }
}
