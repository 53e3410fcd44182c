import Testing
@testable import Imaging

/// Each format's `largestSide` is the codec's own limit: the C encoder, called directly, writes a side of
/// exactly that length and refuses one pixel more, in width and in height. So refusing by `largestSide` before
/// any work turns away exactly what the encoder would have failed on after it.
@Suite struct EncoderLimitTests {
    static func line(_ width: Int, _ height: Int, _ layout: PixelLayout) -> Image {
        Image(width: width, height: height, layout: layout,
              pixels: [UInt8](repeating: 90, count: width * height * layout.channelCount))
    }

    static func native(_ image: Image, _ format: ImageFormat) throws(ImageError) -> [UInt8] {
        switch format {
        case .png: try NativeEncoder.png(image, compression: .chosen)
        case .jpeg: try NativeEncoder.jpeg(image, quality: 50)
        case .webp: try NativeEncoder.webp(image, quality: 50, lossless: false)
        }
    }

    @Test(arguments: ImageFormat.allCases)
    func theCodecWritesLargestSideAndRefusesOneMore(format: ImageFormat) throws {
        let layout: PixelLayout = format == .webp ? .rgb : .gray
        let side = format.largestSide
        for (width, height) in [(side, 1), (1, side)] {
            let written = try Self.native(Self.line(width, height, layout), format)
            #expect(try ImageCodec.readHeader(written).width == width)
        }
        for (width, height) in [(side + 1, 1), (1, side + 1)] {
            #expect(throws: ImageError.self, "\(format) \(width)x\(height)") {
                try Self.native(Self.line(width, height, layout), format)
            }
            #expect(format.refusal(width: width, height: height) != nil)
            let error = #expect(throws: ImageError.self) { try ImageCodec.encode(Self.line(width, height, layout), as: format) }
            guard case .unencodable(let detail)? = error else {
                Issue.record("unexpected \(String(describing: error))")
                continue
            }
            #expect(detail.contains("\(side) pixels a side"), "\(detail)")
        }
        #expect(format.refusal(width: side, height: side) == nil)
    }
}
