import Foundation
import Imaging
import Testing

/// JPEG decoding against Pillow (its own bundled libjpeg-turbo), on files written by Pillow and
/// by our encoder.
@Suite struct JPEGDecodeTests {
    /// Samples may differ by rounding between libjpeg builds; anything larger is a real bug.
    static let tolerance = 2

    @Test func filesWrittenByPillowDecodeLikePillow() throws {
        try TestSupport.withTemporaryDirectory { outdir in
            let fixtures = try TestSupport.runOracle("jpeg-fixtures", outdir: outdir)
            #expect(fixtures.count == 14)
            for fixture in fixtures {
                let bytes = try TestSupport.bytes(of: outdir.appendingPathComponent(fixture.name + ".jpg"))
                let decoded = try ImageCodec.decode(bytes)
                let expected = try TestSupport.rawPixels(outdir, fixture.name + ".raw")
                #expect(decoded.header.format == .jpeg)
                #expect(decoded.image.width == fixture.width, "\(fixture.name)")
                #expect(decoded.image.height == fixture.height, "\(fixture.name)")
                #expect(decoded.image.layout == (fixture.channels == 1 ? .gray : .rgb), "\(fixture.name)")
                #expect(decoded.image.pixels.count == expected.count, "\(fixture.name)")
                if decoded.image.pixels.count == expected.count {
                    let difference = TestSupport.maxDifference(decoded.image.pixels, expected)
                    #expect(difference <= Self.tolerance, "\(fixture.name): max difference \(difference)")
                }
            }
        }
    }

    @Test func headerDescribesEachKind() throws {
        try TestSupport.withTemporaryDirectory { outdir in
            _ = try TestSupport.runOracle("jpeg-fixtures", outdir: outdir)
            func header(_ name: String) throws -> ImageHeader {
                try ImageCodec.readHeader(TestSupport.bytes(of: outdir.appendingPathComponent(name + ".jpg")))
            }
            let baseline = ImageHeader(format: .jpeg, width: 64, height: 48, layout: .rgb, bitDepth: 8)
            #expect(try header("baseline") == baseline)
            #expect(try header("progressive").isInterlaced)
            #expect(try header("gray").layout == .gray)
            #expect(try header("cmyk_adobe").layout == .rgb)
            #expect(try header("cmyk_plain").layout == .rgb)
            #expect(try header("orientation6").orientation == 6)
            #expect(try header("orientation6").uprightWidth == 32)
        }
    }

    @Test func adobeInvertedAndPlainCMYKDecodeDifferently() throws {
        // The same stored samples: with the Adobe marker they are inverted, without they are not.
        try TestSupport.withTemporaryDirectory { outdir in
            _ = try TestSupport.runOracle("jpeg-fixtures", outdir: outdir)
            let adobe = try ImageCodec.decode(TestSupport.bytes(of: outdir.appendingPathComponent("cmyk_adobe.jpg")))
            let plain = try ImageCodec.decode(TestSupport.bytes(of: outdir.appendingPathComponent("cmyk_plain.jpg")))
            #expect(TestSupport.maxDifference(adobe.image.pixels, plain.image.pixels) > 100)
        }
    }

    @Test(arguments: [PixelLayout.gray, .rgb])
    func ourEncoderIsReadByPillow(layout: PixelLayout) throws {
        let source = TestSupport.texturedImage(width: 37, height: 23, layout: layout)
        let jpeg = try ImageCodec.encode(source, as: .jpeg, quality: 92)
        try TestSupport.withTemporaryDirectory { outdir in
            let file = outdir.appendingPathComponent("ours.jpg")
            try Data(jpeg).write(to: file)
            let reference = try TestSupport.runOracle("jpeg-decode", outdir: outdir, arguments: [file.path])
            #expect(reference.count == 1)
            let pillow = try TestSupport.rawPixels(outdir, "ours.raw")
            let decoded = try ImageCodec.decode(jpeg).image
            #expect(decoded.width == 37 && decoded.height == 23)
            #expect(decoded.layout == layout)
            #expect(reference.first?.channels == layout.channelCount)
            #expect(TestSupport.maxDifference(decoded.pixels, pillow) <= Self.tolerance)
        }
    }

    @Test func truncatedJPEGIsAnErrorAtEveryCut() throws {
        let jpeg = try ImageCodec.encode(TestSupport.texturedImage(width: 40, height: 30), as: .jpeg, quality: 80)
        _ = try ImageCodec.decode(jpeg)
        // Cut everywhere from the SOI to one byte short of the end (the EOI included).
        for length in Swift.stride(from: 3, to: jpeg.count, by: 7) + [jpeg.count - 2, jpeg.count - 1] {
            let cut = Array(jpeg[0..<length])
            let error = #expect(throws: ImageError.self, "cut at \(length)") { try ImageCodec.decode(cut) }
            guard case .corrupt? = error else {
                Issue.record("cut at \(length): \(String(describing: error))")
                continue
            }
        }
    }

    @Test func garbageAfterSOIIsCorrupt() throws {
        var garbage: [UInt8] = [0xFF, 0xD8, 0xFF]
        var state: UInt32 = 7
        for _ in 0..<500 {
            state = state &* 1_664_525 &+ 1_013_904_223
            garbage.append(UInt8(state >> 24))
        }
        #expect(ImageCodec.sniff(garbage) == .jpeg)
        let error = #expect(throws: ImageError.self) { try ImageCodec.decode(garbage) }
        guard case .corrupt? = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(throws: ImageError.self) { try ImageCodec.readHeader(garbage) }
    }
}
