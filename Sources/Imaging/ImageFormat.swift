/// An encoded image file format the codecs read and write.
public enum ImageFormat: String, Sendable, CaseIterable {
    case png
    case jpeg

    /// The media type for HTTP `Content-Type` / `Accept`.
    public var mimeType: String {
        switch self {
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        }
    }

    /// The usual file name extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        }
    }

    /// The format a file name's extension implies (`photo.JPG` is JPEG), if any.
    public init?(fileName: String) {
        guard let dot = fileName.lastIndex(of: "."), !fileName[dot...].contains("/") else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }

    /// The format for a media type such as `image/jpeg` (parameters after `;` are ignored).
    public init?(mimeType: String) {
        let essence = mimeType.split(separator: ";", maxSplits: 1).first ?? ""
        switch essence.trimmingSpaces().lowercased() {
        case "image/png": self = .png
        case "image/jpeg", "image/jpg", "image/pjpeg": self = .jpeg
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
