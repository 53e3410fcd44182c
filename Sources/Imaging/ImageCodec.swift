/// Reads and writes PNG, JPEG and WebP files held in memory.
///
/// Decoding normalizes every file to 8-bit interleaved samples: gray stays gray (1 or 2
/// channels), color becomes RGB or RGBA, a PNG palette is expanded, PNG `tRNS` becomes an alpha
/// channel, low-bit gray is scaled to 8 bits, 16-bit samples are *scaled* to 8 bits with rounding
/// (libpng's `png_set_scale_16`, i.e. `round(v * 255 / 65535)`), and no gamma correction is
/// applied (pixels as stored). JPEG CMYK (Adobe-inverted or not) becomes RGB, WebP becomes RGB or
/// RGBA (the format has no gray), and the EXIF orientation of a JPEG (APP1), PNG (`eXIf`) or WebP
/// (`EXIF` chunk) is applied so the result is upright.
public enum ImageCodec {
    /// Ceiling on decoded pixels whatever the caller asks for (1 GiB of RGBA samples).
    public static let absoluteMaxPixels = 1 << 28

    /// How many leading bytes `sniff` needs at most.
    public static let sniffLength = 12

    /// The format announced by the first bytes, if any: the PNG signature, a JPEG SOI marker
    /// followed by another marker, or a RIFF container of type `WEBP`.
    public static func sniff<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> ImageFormat? {
        let head = Array(bytes.prefix(sniffLength))
        if head.starts(with: pngSignature) { return .png }
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        if head.count >= 12, head[0..<4].elementsEqual("RIFF".utf8), head[8..<12].elementsEqual("WEBP".utf8) {
            return .webp
        }
        return nil
    }

    /// Reads dimensions, layout and orientation without decoding or allocating pixels.
    public static func readHeader(_ bytes: [UInt8]) throws(ImageError) -> ImageHeader {
        guard !bytes.isEmpty else { throw .empty }
        guard let format = sniff(bytes) else { throw .unsupportedFormat }
        let info = try NativeDecoder.header(of: bytes, format: format)
        guard let layout = PixelLayout(channelCount: Int(info.channels)) else {
            throw .corrupt(detail: "\(info.channels) channels after decoding")
        }
        let exif =
            switch format {
            case .png: EmbeddedExif.inPNG(bytes)
            case .jpeg: EmbeddedExif.inJPEG(bytes)
            case .webp: EmbeddedExif.inWebP(bytes)
            }
        return ImageHeader(
            format: format, width: Int(info.width), height: Int(info.height), layout: layout,
            bitDepth: Int(info.bit_depth), orientation: exif.flatMap(ExifOrientation.parse) ?? 1,
            isInterlaced: info.interlaced != 0)
    }

    /// Decodes a PNG or JPEG file into upright 8-bit pixels.
    ///
    /// - Parameter maxPixels: refuse images with more pixels than this, with `.tooLarge`, before
    ///   any pixel memory is allocated. `nil` applies only `absoluteMaxPixels`.
    public static func decode(_ bytes: [UInt8], maxPixels: Int? = nil) throws(ImageError) -> DecodedImage {
        let header = try readHeader(bytes)
        let limit = min(maxPixels ?? absoluteMaxPixels, absoluteMaxPixels)
        guard header.pixelCount <= limit else {
            throw .tooLarge(width: header.width, height: header.height, limit: limit)
        }
        let samples = header.pixelCount * header.layout.channelCount
        let pixels = try NativeDecoder.pixels(of: bytes, format: header.format, sampleCount: samples)
        let stored = Image(width: header.width, height: header.height, layout: header.layout, pixels: pixels)
        return DecodedImage(image: stored.oriented(header.orientation), header: header)
    }

    /// Encodes `image` as 8-bit PNG (any layout, lossless), baseline JPEG, or WebP.
    ///
    /// JPEG has no alpha channel: for `.grayAlpha` and `.rgba` images the alpha samples are
    /// dropped (not composited), so transparent areas show their stored color. WebP has no gray:
    /// gray is written as RGB (alpha kept). `quality` (1-100) applies to JPEG and lossy WebP;
    /// `lossless` to WebP only (PNG always is, JPEG never). A side beyond the format's `largestSide` is
    /// refused before the codec is called.
    public static func encode(_ image: Image, as format: ImageFormat, quality: Int = 90,
                              lossless: Bool = false) throws(ImageError) -> [UInt8] {
        if let refusal = format.refusal(width: image.width, height: image.height) { throw refusal }
        if format != .png, !(format == .webp && lossless) {
            guard (1...100).contains(quality) else { throw .invalidQuality(quality) }
        }
        switch format {
        case .png:
            return try NativeEncoder.png(image, compression: .chosen)
        case .jpeg:
            return try NativeEncoder.jpeg(image.converted(to: image.layout.withoutAlpha), quality: quality)
        case .webp:
            let colour = image.converted(to: image.layout.hasAlpha ? .rgba : .rgb)
            return try NativeEncoder.webp(colour, quality: quality, lossless: lossless)
        }
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
}
