import Foundation
import Testing
import TestSupport

import Imaging

/// Paths, temporary folders and the Python oracle shared by the tests.
enum TestSupport {
    /// The repository root, found from this file: Tests/ImagingTests/TestSupport.swift.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let pngSuite = repositoryRoot.appendingPathComponent("../shared/testdata/pngsuite/png").standardized

    static let oracleScript = repositoryRoot.appendingPathComponent("Tests/ImagingTests/oracle.py")

    static func suiteFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: pngSuite, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "png" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func bytes(of url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    /// A fresh folder, removed when `body` returns.
    static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("imaging-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url)
    }

    /// One line of the oracle's output: a raw pixel file and what it holds.
    struct OracleImage: Decodable {
        let name: String
        let width: Int
        let height: Int
        let channels: Int?
        let gray: Bool?
        let alpha: Bool?
        let bitDepth: Int?
        let interlaced: Bool?
    }

    struct OracleFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `oracle.py command outdir arguments...` and reads its JSON lines.
    static func runOracle(_ command: String, outdir: URL, arguments: [String] = []) throws -> [OracleImage] {
        let run = try Program.run("/usr/bin/env", ["python3", oracleScript.path, command, outdir.path] + arguments)
        guard run.status == 0 else {
            throw OracleFailure(description: "oracle.py \(command) failed (needs pip packages pypng and Pillow): " + run.errors)
        }
        let decoder = JSONDecoder()
        return try run.output.split(separator: "\n").map {
            try decoder.decode(OracleImage.self, from: Data($0.utf8))
        }
    }

    static func rawPixels(_ outdir: URL, _ file: String) throws -> [UInt8] {
        try bytes(of: outdir.appendingPathComponent(file))
    }

    /// Largest absolute difference between two equally long sample arrays.
    static func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        precondition(a.count == b.count)
        return zip(a, b).reduce(0) { max($0, abs(Int($1.0) - Int($1.1))) }
    }

    /// A deterministic textured RGB image (gradients plus a little pseudo-noise).
    static func texturedImage(width: Int, height: Int, layout: PixelLayout = .rgb) -> Image {
        var state: UInt32 = 12345
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * layout.channelCount)
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 1_103_515_245 &+ 12345
                let noise = Int(state >> 27)
                let samples = [(x * 7 + noise) % 256, (y * 5 + noise) % 256, (x * y + noise) % 256, (x + y * 3) % 256]
                switch layout {
                case .gray: pixels.append(UInt8(samples[0]))
                case .grayAlpha: pixels += [UInt8(samples[0]), UInt8(samples[3])]
                case .rgb: pixels += samples[0..<3].map { UInt8($0) }
                case .rgba: pixels += samples.map { UInt8($0) }
                }
            }
        }
        return Image(width: width, height: height, layout: layout, pixels: pixels)
    }
}

/// Builds PNG chunks and JPEG segments for hand-made test files.
enum FileCrafting {
    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A zlib stream holding `data` in one stored (uncompressed) deflate block.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        precondition(data.count < 65536)
        let length = UInt16(data.count)
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return [0x78, 0x01, 0x01, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            + data + be32(b << 16 | a)
    }

    /// length, type, data, CRC over type and data.
    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return be32(UInt32(data.count)) + typed + be32(crc32(typed))
    }

    static func pngIHDR(width: UInt32, height: UInt32, bitDepth: UInt8 = 8, colorType: UInt8 = 2) -> [UInt8] {
        pngChunk("IHDR", be32(width) + be32(height) + [bitDepth, colorType, 0, 0, 0])
    }

    /// Inserts `chunk` right after IHDR (signature 8 bytes + IHDR 25 bytes).
    static func insertingAfterIHDR(_ png: [UInt8], _ chunk: [UInt8]) -> [UInt8] {
        Array(png[0..<33]) + chunk + Array(png[33...])
    }

    /// A TIFF block holding only an Orientation entry.
    static func exifTIFF(orientation: UInt16, bigEndian: Bool) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] {
            bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)]
        }
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? be32(v) : be32(v).reversed() }
        let header: [UInt8] = (bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]) + u16(42) + u32(8)
        let entry = u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)
        return header + u16(1) + entry + u32(0)
    }

    /// An APP1 segment with `Exif\0\0` and `tiff`, inserted right after SOI.
    static func insertingExif(_ jpeg: [UInt8], tiff: [UInt8]) -> [UInt8] {
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        let segment: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        return Array(jpeg[0..<2]) + segment + Array(jpeg[2...])
    }
}
