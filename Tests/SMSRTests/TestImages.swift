import Foundation
import Imaging

/// Test inputs decoded with the project's own codecs.
enum TestImages {
    static func image(_ relative: String) throws -> Image {
        try ImageCodec.decode(SharedData.bytes(relative)).image
    }

    static func planarRGB(png relative: String, height: Int, width: Int) throws -> [Float] {
        let decoded = try image(relative)
        precondition(decoded.height == height && decoded.width == width, "unexpected test image size")
        return decoded.planarRGB()
    }
}
