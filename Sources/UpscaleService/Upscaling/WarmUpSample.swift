import Imaging

/// The image each model runs once before the service declares itself ready: small, so warm-up is
/// quick, with some texture, so the mask generators have edges to find.
enum WarmUpSample {
    static let size = 16

    static let png: [UInt8] = {
        var pixels: [UInt8] = []
        for y in 0..<size {
            for x in 0..<size {
                let checker: UInt8 = (x / 4 + y / 4) % 2 == 0 ? 200 : 40
                pixels += [checker, UInt8(x * 255 / (size - 1)), UInt8(y * 255 / (size - 1))]
            }
        }
        let image = Image(width: size, height: size, layout: .rgb, pixels: pixels)
        do {
            return try ImageCodec.encode(image, as: .png)
        } catch {
            preconditionFailure("a 16x16 RGB image always encodes: \(error)")
        }
    }()
}
