import Foundation
import Imaging

/// Small real pictures (crops of a Set5 image) encoded as the tests upload them.
enum TestImages {
    static func crop(size: Int) throws -> Image {
        try ImageCodec.decode(SharedData.bytes("datasets/Set5/LR_bicubic/X2/bird.png")).image
            .converted(to: .rgb).cropped(x: 40, y: 40, width: size, height: size)
    }

    /// Writes the crop to a temporary file and returns its path (curl uploads files).
    static func file(size: Int = 16, format: ImageFormat = .png) throws -> String {
        try write(try ImageCodec.encode(try crop(size: size), as: format, quality: 95), ext: format.fileExtension)
    }

    static func write(_ bytes: [UInt8], ext: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smsr-test-\(UUID().uuidString).\(ext)")
        try Data(bytes).write(to: url)
        return url.path
    }

    /// A 16x16 PNG made `padding` bytes larger by a private ancillary chunk that decoders skip: a
    /// large upload that is still a quick job.
    static func paddedPNG(padding: Int) throws -> [UInt8] {
        let png = try ImageCodec.encode(try crop(size: 16), as: .png)
        // After the 8-byte signature and the 25-byte IHDR chunk.
        let insertAt = 8 + 25
        let type = Array("prVt".utf8)
        let data = [UInt8](repeating: 0x5A, count: padding)
        var chunk = withUnsafeBytes(of: UInt32(padding).bigEndian, Array.init)
        chunk += type + data
        chunk += withUnsafeBytes(of: crc32(type + data).bigEndian, Array.init)
        return Array(png[..<insertAt]) + chunk + Array(png[insertAt...])
    }

    /// CRC-32 as PNG chunks use it (ISO 3309).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
