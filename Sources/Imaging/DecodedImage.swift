/// A decoded file: its pixels, already turned upright, and the header they came from.
public struct DecodedImage: Sendable, Equatable {
    /// Upright pixels: the header's EXIF orientation has been applied.
    public let image: Image
    /// The file's header as stored (dimensions before orientation).
    public let header: ImageHeader

    public init(image: Image, header: ImageHeader) {
        self.image = image
        self.header = header
    }
}
