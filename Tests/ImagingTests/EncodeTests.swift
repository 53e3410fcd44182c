import Imaging
import Testing

/// PNG round trips are lossless; JPEG quality trades size for fidelity.
@Suite struct EncodeTests {
    @Test(arguments: PixelLayout.allCases)
    func pngRoundTripIsLossless(layout: PixelLayout) throws {
        for (width, height) in [(1, 1), (17, 9), (64, 33)] {
            let image = TestSupport.texturedImage(width: width, height: height, layout: layout)
            let png = try ImageCodec.encode(image, as: .png)
            #expect(ImageCodec.sniff(png) == .png)
            let decoded = try ImageCodec.decode(png)
            #expect(decoded.image == image)
            #expect(decoded.header.bitDepth == 8)
        }
    }

    @Test func jpegQualityAffectsSize() throws {
        let image = TestSupport.texturedImage(width: 96, height: 64)
        let sizes = try [5, 50, 95].map { try ImageCodec.encode(image, as: .jpeg, quality: $0).count }
        #expect(sizes[0] < sizes[1] && sizes[1] < sizes[2], "\(sizes)")
        let low = try ImageCodec.decode(ImageCodec.encode(image, as: .jpeg, quality: 5)).image
        let high = try ImageCodec.decode(ImageCodec.encode(image, as: .jpeg, quality: 95)).image
        let highError = TestSupport.maxDifference(high.pixels, image.pixels)
        #expect(highError < TestSupport.maxDifference(low.pixels, image.pixels))
    }

    @Test func jpegDropsAlpha() throws {
        let rgba = TestSupport.texturedImage(width: 16, height: 16, layout: .rgba)
        let grayAlpha = TestSupport.texturedImage(width: 16, height: 16, layout: .grayAlpha)
        let fromRGBA = try ImageCodec.decode(ImageCodec.encode(rgba, as: .jpeg, quality: 100)).image
        let fromGray = try ImageCodec.decode(ImageCodec.encode(grayAlpha, as: .jpeg, quality: 100)).image
        #expect(fromRGBA.layout == .rgb)
        #expect(fromGray.layout == .gray)
        // The color samples survive (alpha not composited into them).
        #expect(TestSupport.maxDifference(fromGray.pixels, grayAlpha.converted(to: .gray).pixels) <= 3)
        #expect(ImageCodec.sniff(try ImageCodec.encode(rgba, as: .jpeg)) == .jpeg)
    }

    @Test func invalidEncodeRequestsAreTypedErrors() {
        let image = TestSupport.texturedImage(width: 4, height: 4)
        #expect(throws: ImageError.invalidQuality(0)) { try ImageCodec.encode(image, as: .jpeg, quality: 0) }
        #expect(throws: ImageError.invalidQuality(101)) { try ImageCodec.encode(image, as: .jpeg, quality: 101) }
        let empty = Image(width: 0, height: 0, layout: .rgb, pixels: [])
        for format in ImageFormat.allCases {
            let error = #expect(throws: ImageError.self) { try ImageCodec.encode(empty, as: format) }
            guard case .unencodable? = error else {
                Issue.record("unexpected \(String(describing: error))")
                continue
            }
        }
        let wide = Image(width: 70000, height: 1, layout: .gray, pixels: [UInt8](repeating: 0, count: 70000))
        let error = #expect(throws: ImageError.self) { try ImageCodec.encode(wide, as: .jpeg) }
        guard case .unencodable? = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
    }

    @Test func formatsSniffAndName() {
        #expect(ImageCodec.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(ImageCodec.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageCodec.sniff([0xFF, 0xD8]) == nil)
        #expect(ImageCodec.sniff(Array("GIF89a".utf8)) == nil)
        #expect(ImageFormat.png.mimeType == "image/png")
        #expect(ImageFormat.jpeg.mimeType == "image/jpeg")
        #expect(ImageFormat(mimeType: "image/jpeg; q=0.9") == .jpeg)
        #expect(ImageCodec.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .webp)
        #expect(ImageFormat.webp.mimeType == "image/webp")
        #expect(ImageFormat(mimeType: "image/webp") == .webp)
        #expect(ImageFormat(mimeType: "image/gif") == nil)
    }
}
