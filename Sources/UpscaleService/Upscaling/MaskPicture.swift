import Imaging
import SMSR

/// A picture of where the network computed: one panel per block with that block's spatial mask
/// tinted over a dimmed copy of the input, and a last panel that counts, per pixel, how many blocks
/// computed there (dark: none, bright: all). Small inputs are enlarged (nearest neighbour) so the
/// masks stay visible.
struct MaskPicture {
    let input: Image
    let masks: [SpatialMask]

    static let gap = 4
    static let background: (UInt8, UInt8, UInt8) = (24, 24, 28)
    /// Distinct hues for up to eight blocks, then repeating.
    static let blockColours: [(Double, Double, Double)] = [
        (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
        (145, 30, 180), (70, 240, 240), (240, 50, 230),
    ]

    /// Enlargement so the longer side reaches about 128 pixels, at most 8 times.
    static func magnification(width: Int, height: Int) -> Int { max(1, min(8, 128 / max(width, height))) }

    static func columns(blocks: Int) -> Int { min(3, blocks + 1) }

    /// The picture's size for an input of `width` x `height` and a network of `blocks` blocks, known before any
    /// run (so a picture too large to write is refused first).
    static func size(width: Int, height: Int, blocks: Int) -> (width: Int, height: Int) {
        let m = magnification(width: width, height: height)
        let perRow = columns(blocks: blocks)
        let rows = (blocks + 1 + perRow - 1) / perRow
        return (perRow * width * m + (perRow + 1) * gap, rows * height * m + (rows + 1) * gap)
    }

    var magnification: Int { Self.magnification(width: input.width, height: input.height) }

    var columns: Int { Self.columns(blocks: masks.count) }

    func render() -> Image {
        let (w, h) = (input.width * magnification, input.height * magnification)
        let panels = masks.count + 1
        let (width, height) = Self.size(width: input.width, height: input.height, blocks: masks.count)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = Self.background
        }
        let luma = input.converted(to: .gray).pixels
        for panel in 0..<panels {
            let originX = Self.gap + (panel % columns) * (w + Self.gap)
            let originY = Self.gap + (panel / columns) * (h + Self.gap)
            for y in 0..<h {
                for x in 0..<w {
                    let (sx, sy) = (x / magnification, y / magnification)
                    let colour = self.colour(panel: panel, x: sx, y: sy, luma: Double(luma[sy * input.width + sx]))
                    let o = ((originY + y) * width + originX + x) * 3
                    pixels[o] = UInt8(colour.0.rounded())
                    pixels[o + 1] = UInt8(colour.1.rounded())
                    pixels[o + 2] = UInt8(colour.2.rounded())
                }
            }
        }
        return Image(width: width, height: height, layout: .rgb, pixels: pixels)
    }

    private func colour(panel: Int, x: Int, y: Int, luma: Double) -> (Double, Double, Double) {
        let dim = 20 + 0.35 * luma
        if panel < masks.count {
            guard masks[panel][y, x] else { return (dim, dim, dim) }
            let c = Self.blockColours[panel % Self.blockColours.count]
            let mix = 0.65
            return (mix * c.0 + (1 - mix) * luma, mix * c.1 + (1 - mix) * luma, mix * c.2 + (1 - mix) * luma)
        }
        // The summary: 0 of n blocks is dark blue, n of n is bright yellow.
        let active = masks.reduce(0) { $0 + ($1[y, x] ? 1 : 0) }
        let t = masks.isEmpty ? 0 : Double(active) / Double(masks.count)
        return (20 + t * 235, 20 + t * 215, 90 - t * 60)
    }
}
