import Foundation
import Imaging
import Testing

/// Size limits are enforced from the header alone; every broken input is a typed error.
@Suite struct LimitsAndErrorsTests {
    /// A PNG whose IHDR (valid CRC) declares `width` x `height` RGB, with a token IDAT.
    static func declaredPNG(width: UInt32, height: UInt32) -> [UInt8] {
        FileCrafting.pngSignature + FileCrafting.pngIHDR(width: width, height: height)
            + FileCrafting.pngChunk("IDAT", FileCrafting.zlibStored([0, 0, 0, 0]))
            + FileCrafting.pngChunk("IEND", [])
    }

    @Test func hugePNGHeaderIsReadButRefusedBeforeDecoding() throws {
        let png = Self.declaredPNG(width: 100_000, height: 100_000)
        let header = try ImageCodec.readHeader(png)
        #expect(header.width == 100_000 && header.height == 100_000)
        #expect(header.layout == .rgb)
        #expect(header.pixelCount == 10_000_000_000)
        // 30 GB of samples: only a check before allocation can answer this quickly.
        #expect(throws: ImageError.tooLarge(width: 100_000, height: 100_000, limit: 4096 * 4096)) {
            try ImageCodec.decode(png, maxPixels: 4096 * 4096)
        }
        #expect(throws: ImageError.tooLarge(width: 100_000, height: 100_000, limit: ImageCodec.absoluteMaxPixels)) {
            try ImageCodec.decode(png)
        }
    }

    @Test func pngSideBeyondTheCodecMaximumIsTooLargeEvenForTheHeader() {
        let png = Self.declaredPNG(width: 20_000_000, height: 1)
        #expect(throws: ImageError.tooLarge(width: 20_000_000, height: 1, limit: ImageCodec.absoluteMaxPixels)) {
            try ImageCodec.readHeader(png)
        }
    }

    @Test func maxPixelsIsInclusive() throws {
        let png = try ImageCodec.encode(TestSupport.texturedImage(width: 10, height: 10), as: .png)
        #expect(try ImageCodec.decode(png, maxPixels: 100).image.pixelCount == 100)
        #expect(throws: ImageError.tooLarge(width: 10, height: 10, limit: 99)) {
            try ImageCodec.decode(png, maxPixels: 99)
        }
    }

    @Test func hugeJPEGHeaderIsRefusedBeforeDecoding() throws {
        var jpeg = try ImageCodec.encode(TestSupport.texturedImage(width: 16, height: 16), as: .jpeg)
        // Rewrite the SOF0 frame size to 60000 x 60000.
        guard let sof = (0..<(jpeg.count - 1)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }) else {
            Issue.record("no SOF0 marker")
            return
        }
        jpeg[(sof + 5)...(sof + 8)] = [0xEA, 0x60, 0xEA, 0x60]
        let header = try ImageCodec.readHeader(jpeg)
        #expect(header.width == 60000 && header.height == 60000)
        #expect(throws: ImageError.tooLarge(width: 60000, height: 60000, limit: 1_000_000)) {
            try ImageCodec.decode(jpeg, maxPixels: 1_000_000)
        }
    }

    @Test func truncatedPNGIsAnErrorAtEveryCut() throws {
        let png = try TestSupport.bytes(of: TestSupport.pngSuite.appendingPathComponent("basn6a08.png"))
        _ = try ImageCodec.decode(png)
        for length in Swift.stride(from: 1, to: png.count, by: 5) + [png.count - 1] {
            let cut = Array(png[0..<length])
            let error = #expect(throws: ImageError.self, "cut at \(length)") { try ImageCodec.decode(cut) }
            if length < 8 {
                #expect(error == .unsupportedFormat, "cut at \(length)")
            } else if case .corrupt? = error {
            } else {
                Issue.record("cut at \(length): \(String(describing: error))")
            }
        }
    }

    @Test func emptyAndGarbageInput() {
        #expect(throws: ImageError.empty) { try ImageCodec.decode([]) }
        #expect(throws: ImageError.empty) { try ImageCodec.readHeader([]) }
        let garbage = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        #expect(ImageCodec.sniff(garbage) == nil)
        #expect(throws: ImageError.unsupportedFormat) { try ImageCodec.decode(garbage) }
        let pngThenGarbage = FileCrafting.pngSignature + garbage
        let error = #expect(throws: ImageError.self) { try ImageCodec.decode(pngThenGarbage) }
        guard case .corrupt? = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
    }

    @Test func errorsReadClearly() {
        #expect(ImageError.tooLarge(width: 5, height: 6, limit: 7).description.contains("5x6"))
        #expect(ImageError.corrupt(detail: "PNG: bad CRC").description.contains("PNG: bad CRC"))
        #expect(ImageError.invalidQuality(0).description.contains("1-100"))
        #expect(ImageError.unsupportedFormat.description.contains("PNG, JPEG or WebP"))
    }
}
