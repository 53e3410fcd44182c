import Foundation
import Imaging
import Testing
@testable import UpscaleService

/// What real images bring: gray, alpha, 16-bit, JPEG, corrupt bytes, size limits.
@Suite struct UpscalePipelineTests {
    let pipeline = UpscalePipeline(model: SharedData.officialModel)

    /// A small RGB test picture cut from a Set5 LR image.
    static func sample(width: Int = 20, height: Int = 14) throws -> Image {
        try ImageCodec.decode(SharedData.bytes("datasets/Set5/LR_bicubic/X2/bird.png")).image
            .converted(to: .rgb).cropped(x: 40, y: 40, width: width, height: height)
    }

    @Test func grayComesBackGrayWithTheSameLumaAsTheColourRun() throws {
        let gray = try Self.sample().converted(to: .gray)
        let (output, _) = pipeline.upscale(gray)
        #expect(output.layout == .gray && output.width == 40 && output.height == 28)
        // Running the same gray picture as RGB and taking luma gives the same answer.
        let (rgbOutput, _) = pipeline.upscale(gray.converted(to: .rgb))
        #expect(rgbOutput.converted(to: .gray).pixels == output.pixels)
    }

    @Test func alphaIsUpscaledBicubicallyAndReattached() throws {
        let rgb = try Self.sample()
        // A horizontal alpha ramp: bicubic upscaling keeps it a ramp, monotone along rows.
        let alpha = (0..<(rgb.width * rgb.height)).map { Float(($0 % rgb.width) * 12) }
        let rgba = rgb.attachingAlpha(alpha)
        let (output, _) = pipeline.upscale(rgba)
        #expect(output.layout == .rgba && output.width == 2 * rgb.width)
        let (colourOnly, _) = pipeline.upscale(rgb)
        #expect(output.converted(to: .rgb).pixels == colourOnly.pixels, "alpha must not change the colour result")
        let outAlpha = try #require(output.alphaPlane())
        for y in 0..<output.height {
            let row = outAlpha[(y * output.width)..<((y + 1) * output.width)]
            #expect(zip(row, row.dropFirst()).allSatisfy { $0 <= $1 + 1 })
            #expect(row.first! <= 6 && row.last! >= 220)
        }
    }

    @Test func pngInPngOutAndJpegInJpegOut() throws {
        let image = try Self.sample()
        for format in ImageFormat.allCases {
            let encoded = try ImageCodec.encode(image, as: format, quality: 95)
            let outcome = try pipeline.upscale(encoded: encoded)
            #expect(ImageCodec.sniff(outcome.bytes) == format)
            let decoded = try ImageCodec.decode(outcome.bytes)
            #expect(decoded.image.width == 40 && decoded.image.height == 28)
            #expect(outcome.report.format == format)
            #expect(outcome.report.work.executed < outcome.report.work.dense)
            #expect(outcome.report.stages.map(\.name).starts(with: ["decode", "infer", "encode"]))
        }
        // An explicit format overrides the input's.
        let asJPEG = try pipeline.upscale(encoded: try ImageCodec.encode(image, as: .png), format: .jpeg, quality: 80)
        #expect(ImageCodec.sniff(asJPEG.bytes) == .jpeg)
    }

    @Test func sixteenBitInputIsProcessedAtEightBits() throws {
        let bytes = try SharedData.bytes("testdata/pngsuite/png/basn2c16.png")
        let outcome = try pipeline.upscale(encoded: bytes)
        let decoded = try ImageCodec.decode(outcome.bytes)
        #expect(decoded.header.bitDepth == 8 && decoded.image.width == 64 && decoded.image.layout == .rgb)
    }

    @Test func corruptAndOversizedInputsAreTypedErrors() throws {
        let good = try ImageCodec.encode(try Self.sample(), as: .png)
        #expect(throws: ImageError.self) { try pipeline.upscale(encoded: Array(good.prefix(good.count / 2))) }
        #expect(throws: ImageError.self) { try pipeline.upscale(encoded: [1, 2, 3, 4]) }
        #expect(throws: ImageError.tooLarge(width: 20, height: 14, limit: 100)) {
            try pipeline.upscale(encoded: good, maxPixels: 100)
        }
    }
}
