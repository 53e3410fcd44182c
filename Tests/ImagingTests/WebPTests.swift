import Foundation
import Imaging
import Testing

/// WebP through libwebp: files Pillow writes decode as Pillow decodes them, ours are read by Pillow,
/// lossless is exact (alpha too), lossy keeps alpha exactly and trades size for fidelity, orientation
/// is applied, and broken or animated files are typed errors.
@Suite struct WebPTests {
    @Test func filesWrittenByPillowDecodeLikePillow() throws {
        try TestSupport.withTemporaryDirectory { dir in
            let fixtures = try TestSupport.runOracle("webp-fixtures", outdir: dir)
            #expect(fixtures.count == 5)
            for fixture in fixtures {
                let bytes = try TestSupport.bytes(of: dir.appendingPathComponent(fixture.name + ".webp"))
                #expect(ImageCodec.sniff(bytes) == .webp)
                let decoded = try ImageCodec.decode(bytes)
                #expect(decoded.header.format == .webp)
                #expect(decoded.image.width == fixture.width && decoded.image.height == fixture.height, "\(fixture.name)")
                #expect(decoded.image.layout.channelCount == fixture.channels, "\(fixture.name)")
                let expected = try TestSupport.rawPixels(dir, fixture.name + ".raw")
                // Lossless is exact; lossy VP8 decoding is specified to the bit, but allow the last one for
                // the two libwebp versions' colour conversion.
                let tolerance = fixture.name.hasPrefix("lossless") || fixture.name.hasPrefix("orientation") ? 0 : 1
                #expect(TestSupport.maxDifference(decoded.image.pixels, expected) <= tolerance, "\(fixture.name)")
            }
            #expect(try ImageCodec.readHeader(TestSupport.bytes(of: dir.appendingPathComponent("orientation6.webp"))).orientation == 6)
            let animated = try TestSupport.bytes(of: dir.appendingPathComponent("animated.webp"))
            let error = #expect(throws: ImageError.self) { try ImageCodec.decode(animated) }
            #expect(error?.description.contains("animated") == true, "\(String(describing: error))")
        }
    }

    @Test(arguments: PixelLayout.allCases)
    func losslessRoundTripIsExactAndReadByPillow(layout: PixelLayout) throws {
        let image = TestSupport.texturedImage(width: 37, height: 21, layout: layout)
        let webp = try ImageCodec.encode(image, as: .webp, lossless: true)
        #expect(ImageCodec.sniff(webp) == .webp)
        let decoded = try ImageCodec.decode(webp).image
        // WebP has no gray: gray comes back as three equal channels, alpha as it was.
        let expected = image.converted(to: layout.hasAlpha ? .rgba : .rgb)
        #expect(decoded == expected)
        try TestSupport.withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("ours.webp")
            try Data(webp).write(to: file)
            let pillow = try TestSupport.runOracle("webp-decode", outdir: dir, arguments: [file.path])
            #expect(pillow.first?.channels == expected.layout.channelCount)
            #expect(try TestSupport.rawPixels(dir, "ours.raw") == expected.pixels)
        }
    }

    @Test func lossyKeepsAlphaExactlyAndQualityTradesSizeForFidelity() throws {
        let image = TestSupport.texturedImage(width: 96, height: 64, layout: .rgba)
        let encoded = try [10, 60, 95].map { try ImageCodec.encode(image, as: .webp, quality: $0) }
        #expect(encoded[0].count < encoded[1].count && encoded[1].count < encoded[2].count, "\(encoded.map(\.count))")
        let decoded = try encoded.map { try ImageCodec.decode($0).image }
        for image in decoded { #expect(image.layout == .rgba) }
        #expect(decoded[2].alphaPlane() == image.alphaPlane(), "alpha is stored losslessly in a lossy file")
        let colour = image.converted(to: .rgb).pixels
        let lowError = TestSupport.maxDifference(decoded[0].converted(to: .rgb).pixels, colour)
        let highError = TestSupport.maxDifference(decoded[2].converted(to: .rgb).pixels, colour)
        #expect(highError < lowError, "\(highError) vs \(lowError)")
        let lossless = try ImageCodec.encode(image, as: .webp, quality: 10, lossless: true)
        #expect(try ImageCodec.decode(lossless).image == image, "lossless ignores quality")
    }

    @Test func brokenFilesAndBadRequestsAreTypedErrors() throws {
        let webp = try ImageCodec.encode(TestSupport.texturedImage(width: 40, height: 30), as: .webp, quality: 80)
        for cut in [20, webp.count / 2, webp.count - 1] {
            #expect(throws: ImageError.self) { try ImageCodec.decode(Array(webp.prefix(cut))) }
        }
        var garbled = webp
        for i in 30..<garbled.count { garbled[i] ^= 0x5A }
        #expect(throws: ImageError.self) { try ImageCodec.decode(garbled) }
        // A RIFF container of another kind is not WebP.
        let wave = Array("RIFF".utf8) + [36, 0, 0, 0] + Array("WAVEfmt ".utf8)
        #expect(ImageCodec.sniff(wave) == nil)
        #expect(throws: ImageError.unsupportedFormat) { try ImageCodec.decode(wave) }
        let image = TestSupport.texturedImage(width: 4, height: 4)
        #expect(throws: ImageError.invalidQuality(0)) { try ImageCodec.encode(image, as: .webp, quality: 0) }
        let wide = Image(width: 16384, height: 1, layout: .gray, pixels: [UInt8](repeating: 0, count: 16384))
        let error = #expect(throws: ImageError.self) { try ImageCodec.encode(wide, as: .webp) }
        guard case .unencodable? = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(ImageFormat.webp.largestSide == 16383)
    }
}
