/// Finds the EXIF block inside a file's container structure (JPEG marker segments, PNG chunks)
/// by walking lengths only: cheap, and bounded by the data.
enum EmbeddedExif {
    /// The first APP1 segment whose payload starts with `Exif\0\0`, without that prefix.
    static func inJPEG(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var offset = 2
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            if marker == 0xFF {  // fill byte before a marker
                offset += 1
                continue
            }
            // Markers without a length; SOS/EOI end the header part where APP segments live.
            if marker == 0x01 || (0xD0...0xD7).contains(marker) {
                offset += 2
                continue
            }
            if marker == 0xDA || marker == 0xD9 { return nil }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return nil }
            let payload = bytes[(offset + 4)..<(offset + 2 + length)]
            if marker == 0xE1, payload.starts(with: ExifOrientation.exifPrefix) {
                return payload.dropFirst(ExifOrientation.exifPrefix.count)
            }
            offset += 2 + length
        }
        return nil
    }

    /// The payload of the `EXIF` chunk of an extended (`VP8X`) WebP file. RIFF chunks are a
    /// four-letter type, a little-endian length, and the payload padded to an even length.
    static func inWebP(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        var offset = 12  // after `RIFF`, the file length and `WEBP`
        while offset + 8 <= bytes.count {
            let type = bytes[offset..<(offset + 4)]
            let length =
                Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16
                | Int(bytes[offset + 7]) << 24
            guard length <= bytes.count - offset - 8 else { return nil }
            if type.elementsEqual("EXIF".utf8) {
                return bytes[(offset + 8)..<(offset + 8 + length)]
            }
            offset += 8 + length + (length & 1)
        }
        return nil
    }

    /// The payload of the first `eXIf` chunk.
    static func inPNG(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        var offset = 8  // after the signature
        while offset + 12 <= bytes.count {
            let length =
                Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
                | Int(bytes[offset + 3])
            let type = bytes[(offset + 4)..<(offset + 8)]
            guard length <= bytes.count - offset - 12 else { return nil }
            if type.elementsEqual("eXIf".utf8) {
                return bytes[(offset + 8)..<(offset + 8 + length)]
            }
            if type.elementsEqual("IEND".utf8) { return nil }
            offset += 12 + length
        }
        return nil
    }
}
