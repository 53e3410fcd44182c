import Foundation
import Imaging
import Testing

/// Every PngSuite file: valid ones against pypng (an independent decoder), corrupt ones must
/// give a typed error.
@Suite struct PNGSuiteTests {
    @Test func validFilesMatchTheIndependentDecoder() throws {
        let valid = try TestSupport.suiteFiles().filter { !$0.lastPathComponent.hasPrefix("x") }
        #expect(valid.count == 161)
        try TestSupport.withTemporaryDirectory { outdir in
            let expected = try TestSupport.runOracle("png-rgba", outdir: outdir, arguments: valid.map(\.path))
            #expect(expected.count == valid.count)
            for (file, reference) in zip(valid, expected) {
                let name = file.lastPathComponent
                #expect(reference.name == name)
                let decoded = try ImageCodec.decode(TestSupport.bytes(of: file))
                let image = decoded.image
                #expect(decoded.header.format == .png, "\(name)")
                #expect(image.width == reference.width && image.height == reference.height, "\(name)")
                #expect(image.layout.isGray == reference.gray, "\(name): layout \(image.layout)")
                #expect(image.layout.hasAlpha == reference.alpha, "\(name): layout \(image.layout)")
                #expect(decoded.header.bitDepth == reference.bitDepth, "\(name)")
                #expect(decoded.header.isInterlaced == reference.interlaced, "\(name)")
                let rgba = image.converted(to: .rgba).pixels
                let oracle = try TestSupport.rawPixels(outdir, name + ".rgba")
                #expect(rgba.count == oracle.count, "\(name)")
                if rgba.count == oracle.count {
                    let mismatches = zip(rgba, oracle).filter { $0 != $1 }.count
                    #expect(mismatches == 0, "\(name): \(mismatches) samples differ from pypng")
                }
            }
        }
    }

    @Test func headerAgreesWithDecodeForEveryValidFile() throws {
        for file in try TestSupport.suiteFiles() where !file.lastPathComponent.hasPrefix("x") {
            let bytes = try TestSupport.bytes(of: file)
            let header = try ImageCodec.readHeader(bytes)
            let decoded = try ImageCodec.decode(bytes)
            #expect(header == decoded.header, "\(file.lastPathComponent)")
            #expect(decoded.image.layout == header.layout, "\(file.lastPathComponent)")
            #expect(decoded.image.width == header.uprightWidth, "\(file.lastPathComponent)")
        }
    }

    /// The type names in PngSuite say what each file holds (e.g. `basn0g16`: gray, 16-bit).
    @Test(arguments: [
        ("basn0g01.png", PixelLayout.gray, 1), ("basn0g02.png", .gray, 2), ("basn0g04.png", .gray, 4),
        ("basn0g16.png", .gray, 16), ("basn2c16.png", .rgb, 16), ("basn3p04.png", .rgb, 4),
        ("basn4a16.png", .grayAlpha, 16), ("basn6a08.png", .rgba, 8), ("tbbn0g04.png", .grayAlpha, 4),
        ("tbbn3p08.png", .rgba, 8), ("tbrn2c08.png", .rgba, 8), ("basi0g08.png", .gray, 8),
    ])
    func layoutAndDepthFollowTheFileType(name: String, layout: PixelLayout, depth: Int) throws {
        let header = try ImageCodec.readHeader(TestSupport.bytes(of: TestSupport.pngSuite.appendingPathComponent(name)))
        #expect(header.layout == layout)
        #expect(header.bitDepth == depth)
        #expect(header.isInterlaced == name.hasPrefix("basi"))
    }

    @Test func gammaChunkDoesNotChangePixels() throws {
        let image = TestSupport.texturedImage(width: 9, height: 5)
        let png = try ImageCodec.encode(image, as: .png)
        // gAMA 0.35 (35000 / 100000): a decoder applying it would change every mid-tone.
        let withGamma = FileCrafting.insertingAfterIHDR(png, FileCrafting.pngChunk("gAMA", FileCrafting.be32(35000)))
        #expect(try ImageCodec.decode(withGamma).image == image)
    }

    @Test func sixteenBitSamplesAreScaledAndTRNSMatchesAllSixteenBits() throws {
        // One row of 16-bit gray with tRNS 0x01FF. Scaling gives round(v / 257); stripping the
        // low byte would give 0, 0, 0, 1, 1, 255, 255 instead.
        let samples: [UInt16] = [0x0000, 0x0080, 0x0081, 0x01FF, 0x0100, 0xFF7F, 0xFFFF]
        var row: [UInt8] = [0]  // filter type None
        for sample in samples { row += [UInt8(sample >> 8), UInt8(sample & 0xFF)] }
        let png =
            FileCrafting.pngSignature
            + FileCrafting.pngIHDR(width: UInt32(samples.count), height: 1, bitDepth: 16, colorType: 0)
            + FileCrafting.pngChunk("tRNS", [0x01, 0xFF])
            + FileCrafting.pngChunk("IDAT", FileCrafting.zlibStored(row))
            + FileCrafting.pngChunk("IEND", [])
        let image = try ImageCodec.decode(png).image
        #expect(image.layout == .grayAlpha)
        #expect(image.pixels == [0, 255, 0, 255, 1, 255, 2, 0, 1, 255, 255, 255, 255, 255])
    }

    @Test func corruptFilesGiveTypedErrors() throws {
        let corrupt = try TestSupport.suiteFiles().filter { $0.lastPathComponent.hasPrefix("x") }
        #expect(corrupt.count == 14)
        for file in corrupt {
            let bytes = try TestSupport.bytes(of: file)
            let error = #expect(throws: ImageError.self, "\(file.lastPathComponent)") {
                try ImageCodec.decode(bytes)
            }
            switch error {
            case .corrupt(let detail)?:
                #expect(!detail.isEmpty)
            case .unsupportedFormat?:
                // xs*, xcr, xlf: the signature itself is damaged, so it is no PNG at all.
                #expect(ImageCodec.sniff(bytes) == nil, "\(file.lastPathComponent)")
            default:
                Issue.record("\(file.lastPathComponent): unexpected \(String(describing: error))")
            }
        }
    }
}
