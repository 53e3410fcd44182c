/// Why an image could not be read or written. Every case is something a file or a caller can
/// cause; messages are meant for the client.
public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No bytes at all.
    case empty
    /// The bytes start with none of the PNG signature, a JPEG SOI marker or a WebP RIFF header.
    case unsupportedFormat
    /// The file is malformed or truncated; `detail` is the codec's explanation.
    case corrupt(detail: String)
    /// The image has more pixels than `limit` allows (or a side beyond the codec's maximum).
    case tooLarge(width: Int, height: Int, limit: Int)
    /// The codec refused to allocate for this file (an oversized chunk, or memory ran out).
    case resourceLimit(detail: String)
    /// JPEG or lossy WebP quality outside 1-100.
    case invalidQuality(Int)
    /// This image cannot be written in the requested format (e.g. a side too long for JPEG).
    case unencodable(detail: String)

    public var description: String {
        switch self {
        case .empty:
            "the image data is empty"
        case .unsupportedFormat:
            "the data is not a PNG, JPEG or WebP image"
        case .corrupt(let detail):
            "the image is corrupt or truncated: \(detail)"
        case .tooLarge(let width, let height, let limit):
            "the image is \(width)x\(height) pixels, more than the limit of \(limit) pixels"
        case .resourceLimit(let detail):
            "the image needs more resources than allowed: \(detail)"
        case .invalidQuality(let quality):
            "quality \(quality) is outside 1-100"
        case .unencodable(let detail):
            "the image cannot be encoded: \(detail)"
        }
    }
}
