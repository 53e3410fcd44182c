/// An encoded image file format the codecs read and write.
public enum ImageFormat: String, Sendable, CaseIterable {
    case png
    case jpeg
    case webp

    /// The media type for HTTP `Content-Type` / `Accept`.
    public var mimeType: String {
        switch self {
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        case .webp: "image/webp"
        }
    }

    /// The usual file name extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .webp: "webp"
        }
    }

    /// The longest side, width or height, this format's encoder writes: libpng's default user limit of
    /// 1,000,000 (`PNG_USER_WIDTH_MAX`, `PNG_USER_HEIGHT_MAX`, which `png_set_IHDR` checks when writing too),
    /// libjpeg's `JPEG_MAX_DIMENSION` of 65,500, libwebp's `WEBP_MAX_DIMENSION` of 16,383.
    public var largestSide: Int {
        switch self {
        case .png: 1_000_000
        case .jpeg: 65500
        case .webp: 16383
        }
    }

    /// Where `largestSide` comes from, for messages.
    public var largestSideSource: String {
        switch self {
        case .png: "libpng's user limit, PNG_USER_WIDTH_MAX / PNG_USER_HEIGHT_MAX"
        case .jpeg: "libjpeg's JPEG_MAX_DIMENSION"
        case .webp: "libwebp's WEBP_MAX_DIMENSION"
        }
    }

    /// Why the encoder cannot write a `width` x `height` image, or nil when it can: checked from sizes alone,
    /// so an output that could never be written is refused before any work.
    public func refusal(width: Int, height: Int) -> ImageError? {
        guard max(width, height) > largestSide else { return nil }
        return .unencodable(detail: "\(width)x\(height) is beyond \(rawValue.uppercased())'s \(largestSide) pixels a side"
            + " (\(largestSideSource))")
    }

    /// Every extension `init(fileName:)` knows, for messages that list them.
    public static let fileExtensions = ["png", "jpg", "jpeg", "webp"]

    /// The format a file name's extension implies (`photo.JPG` is JPEG), if any.
    public init?(fileName: String) {
        guard let dot = fileName.lastIndex(of: "."), !fileName[dot...].contains("/") else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        case "webp": self = .webp
        default: return nil
        }
    }

    /// The format for a media type such as `image/jpeg` (parameters after `;` are ignored).
    public init?(mimeType: String) {
        let essence = mimeType.split(separator: ";", maxSplits: 1).first ?? ""
        switch essence.trimmingSpaces().lowercased() {
        case "image/png": self = .png
        case "image/jpeg", "image/jpg", "image/pjpeg": self = .jpeg
        case "image/webp": self = .webp
        default: return nil
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var view = self
        while view.first == " " || view.first == "\t" { view = view.dropFirst() }
        while view.last == " " || view.last == "\t" { view = view.dropLast() }
        return view
    }
}
