/// Reads the Orientation tag (0x0112) from an EXIF block, the TIFF structure that JPEG carries
/// in APP1 after `Exif\0\0` and PNG in its `eXIf` chunk.
///
/// EXIF comes from arbitrary files, so every offset is bounds-checked and anything malformed
/// simply yields `nil` (the caller then treats the image as upright).
public enum ExifOrientation {
    static let orientationTag: UInt16 = 0x0112
    static let shortType: UInt16 = 3

    /// The orientation (1-8) in a TIFF-structured EXIF block, or nil when there is none or the
    /// block is malformed. A leading `Exif\0\0` is skipped, as some PNG writers keep it.
    public static func parse(_ block: ArraySlice<UInt8>) -> Int? {
        var tiff = block
        if tiff.starts(with: exifPrefix) { tiff = tiff.dropFirst(exifPrefix.count) }
        let bytes = Array(tiff)  // zero-based indices from here on
        guard bytes.count >= 8 else { return nil }
        let bigEndian: Bool
        switch (bytes[0], bytes[1]) {
        case (0x4D, 0x4D): bigEndian = true  // "MM"
        case (0x49, 0x49): bigEndian = false  // "II"
        default: return nil
        }
        let reader = TIFFReader(bytes: bytes, bigEndian: bigEndian)
        guard reader.u16(at: 2) == 42, let ifdOffset = reader.u32(at: 4) else { return nil }
        // Only IFD0 carries the image's orientation; no need to follow the chain.
        guard let entryCount = reader.u16(at: ifdOffset) else { return nil }
        for index in 0..<Int(entryCount) {
            let entry = ifdOffset + 2 + index * 12
            guard let tag = reader.u16(at: entry) else { return nil }
            guard tag == orientationTag else { continue }
            guard reader.u16(at: entry + 2) == shortType, let count = reader.u32(at: entry + 4),
                count >= 1, let value = reader.u16(at: entry + 8)
            else { return nil }
            return (1...8).contains(Int(value)) ? Int(value) : nil
        }
        return nil
    }

    static let exifPrefix: [UInt8] = Array("Exif".utf8) + [0, 0]
}

/// Bounds-checked integer reads in the TIFF block's byte order.
private struct TIFFReader {
    let bytes: [UInt8]
    let bigEndian: Bool

    func u16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset <= bytes.count - 2 else { return nil }
        let (a, b) = (UInt16(bytes[offset]), UInt16(bytes[offset + 1]))
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    func u32(at offset: Int) -> Int? {
        guard let first = u16(at: offset), let second = u16(at: offset + 2) else { return nil }
        let value = bigEndian ? UInt32(first) << 16 | UInt32(second) : UInt32(second) << 16 | UInt32(first)
        return Int(value)
    }
}
