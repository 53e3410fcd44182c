import Foundation
import Imaging
import Testing
@testable import UpscaleService

/// What real images bring: gray, alpha, 16-bit, JPEG, WebP, corrupt bytes, size limits.
@Suite struct UpscaleFlowTests {
    let flow = SharedData.flow(SharedData.officialModel)

    /// A small RGB test picture cut from a Set5 LR image.
    static func sample(width: Int = 20, height: Int = 14) throws -> Image {
        try ImageCodec.decode(SharedData.bytes("datasets/Set5/LR_bicubic/X2/bird.png")).image
            .converted(to: .rgb).cropped(x: 40, y: 40, width: width, height: height)
    }

    @Test func grayComesBackGrayWithTheSameLumaAsTheColourRun() throws {
        let gray = try Self.sample().converted(to: .gray)
        let (output, _) = flow.upscale(gray)
        #expect(output.layout == .gray && output.width == 40 && output.height == 28)
        // Running the same gray picture as RGB and taking luma gives the same answer.
        let (rgbOutput, _) = flow.upscale(gray.converted(to: .rgb))
        #expect(rgbOutput.converted(to: .gray).pixels == output.pixels)
    }

    @Test func alphaIsUpscaledBicubicallyAndReattached() throws {
        let rgb = try Self.sample()
        // A horizontal alpha ramp: bicubic upscaling keeps it a ramp, monotone along rows.
        let alpha = (0..<(rgb.width * rgb.height)).map { Float(($0 % rgb.width) * 12) }
        let rgba = rgb.attachingAlpha(alpha)
        let (output, _) = flow.upscale(rgba)
        #expect(output.layout == .rgba && output.width == 2 * rgb.width)
        let (colourOnly, _) = flow.upscale(rgb)
        #expect(output.converted(to: .rgb).pixels == colourOnly.pixels, "alpha must not change the colour result")
        let outAlpha = try #require(output.alphaPlane())
        for y in 0..<output.height {
            let row = outAlpha[(y * output.width)..<((y + 1) * output.width)]
            #expect(zip(row, row.dropFirst()).allSatisfy { $0 <= $1 + 1 })
            #expect(row.first! <= 6 && row.last! >= 220)
        }
    }

    /// Runs `bytes` through the whole flow.
    func run(_ bytes: [UInt8], _ encoding: OutputEncoding?, flow: UpscaleFlow? = nil) throws(UpscaleFlow.Failure) -> UpscaleOutcome {
        var stopwatch = Stopwatch()
        return try (flow ?? self.flow).run(bytes, encoding: encoding, stopwatch: &stopwatch)
    }

    @Test func everyFormatInEveryFormatOut() throws {
        let image = try Self.sample()
        for input in ImageFormat.allCases {
            let encoded = try ImageCodec.encode(image, as: input, quality: 95)
            for output in ImageFormat.allCases {
                let outcome = try run(encoded, OutputEncoding(format: output))
                #expect(ImageCodec.sniff(outcome.encoded) == output)
                let decoded = try ImageCodec.decode(outcome.encoded)
                #expect(decoded.image.width == 40 && decoded.image.height == 28)
                let report = outcome.report(totalMilliseconds: 1)
                #expect(report.format == output && report.input == .init(width: 20, height: 14))
                #expect(report.work.executed < report.work.dense)
                #expect(report.laps.map(\.name) == ["decode", "infer", "encode"])
            }
        }
    }

    @Test func withoutAnEncodingNothingIsEncodedAndTheReportSaysTheInputsFormat() throws {
        let outcome = try run(try ImageCodec.encode(try Self.sample(), as: .webp, quality: 90), nil)
        #expect(outcome.encoded.isEmpty && outcome.format == .webp)
        #expect(outcome.laps.map(\.name) == ["decode", "infer"])
    }

    @Test func sixteenBitInputIsProcessedAtEightBits() throws {
        let bytes = try SharedData.bytes("testdata/pngsuite/png/basn2c16.png")
        let outcome = try run(bytes, OutputEncoding(format: .png))
        let decoded = try ImageCodec.decode(outcome.encoded)
        #expect(decoded.header.bitDepth == 8 && decoded.image.width == 64 && decoded.image.layout == .rgb)
    }

    @Test func corruptAndOversizedInputsAreDecodeFailures() throws {
        let good = try ImageCodec.encode(try Self.sample(), as: .png)
        for bad in [Array(good.prefix(good.count / 2)), [1, 2, 3, 4]] {
            let failure = #expect(throws: UpscaleFlow.Failure.self) { try run(bad, OutputEncoding(format: .png)) }
            guard case .decode? = failure else {
                Issue.record("not a decode failure: \(String(describing: failure))")
                continue
            }
        }
        let limited = UpscaleFlow(model: SharedData.officialModel, options: flow.options, maxPixels: 100)
        let failure = #expect(throws: UpscaleFlow.Failure.self) { try run(good, OutputEncoding(format: .png), flow: limited) }
        #expect(failure == .decode(.tooLarge(width: 20, height: 14, limit: 100)))
    }
}
