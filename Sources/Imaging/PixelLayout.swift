/// How the 8-bit samples of one pixel are interleaved.
public enum PixelLayout: Sendable, Hashable, CaseIterable {
    case gray
    case grayAlpha
    case rgb
    case rgba

    /// Samples per pixel.
    public var channelCount: Int {
        switch self {
        case .gray: 1
        case .grayAlpha: 2
        case .rgb: 3
        case .rgba: 4
        }
    }

    /// Whether the last sample of each pixel is alpha (0 transparent, 255 opaque).
    public var hasAlpha: Bool { self == .grayAlpha || self == .rgba }

    /// Whether the color is a single luminance sample.
    public var isGray: Bool { self == .gray || self == .grayAlpha }

    /// The same color model with alpha added.
    public var withAlpha: PixelLayout { isGray ? .grayAlpha : .rgba }

    /// The same color model without alpha.
    public var withoutAlpha: PixelLayout { isGray ? .gray : .rgb }

    /// The layout with `channelCount` samples per pixel, if any.
    public init?(channelCount: Int) {
        switch channelCount {
        case 1: self = .gray
        case 2: self = .grayAlpha
        case 3: self = .rgb
        case 4: self = .rgba
        default: return nil
        }
    }
}
