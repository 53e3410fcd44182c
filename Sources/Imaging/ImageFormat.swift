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

    /// The longest side the format can store (JPEG's 65500 as libjpeg writes it, WebP's 16383).
    public var largestSide: Int {
        switch self {
        case .png: Int(Int32.max)
        case .jpeg: 65500
        case .webp: 16383
        }
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
