import Imaging
import SMSR
import Testing
@testable import UpscaleService

@Suite struct MaskPictureTests {
    @Test func eachPanelShowsItsBlocksMaskAndTheLastCountsThem() {
        let input = Image(width: 4, height: 2, layout: .gray, pixels: [UInt8](repeating: 100, count: 8)).converted(to: .rgb)
        // Block 0 computes on the left half, block 1 nowhere.
        let left = SpatialMask(height: 2, width: 4, bits: [1, 1, 0, 0, 1, 1, 0, 0])
        let none = SpatialMask(height: 2, width: 4, bits: [UInt8](repeating: 0, count: 8))
        let picture = MaskPicture(input: input, masks: [left, none])
        let image = picture.render()
        let m = picture.magnification
        #expect(m == 8 && image.width == 3 * 4 * m + 4 * MaskPicture.gap && image.height == 2 * m + 2 * MaskPicture.gap)
        func pixel(panel: Int, x: Int, y: Int) -> [UInt8] {
            let px = MaskPicture.gap + panel * (4 * m + MaskPicture.gap) + x * m
            let py = MaskPicture.gap + y * m
            return Array(image.pixel(x: px, y: py))
        }
        let red = pixel(panel: 0, x: 0, y: 0)
        #expect(red[0] > red[1] + 50, "masked pixels take the block's colour: \(red)")
        let dim = pixel(panel: 0, x: 3, y: 1)
        #expect(dim[0] == dim[1] && dim[1] == dim[2] && dim[0] < 100, "unmasked pixels are a dimmed grey: \(dim)")
        #expect(pixel(panel: 1, x: 0, y: 0) == dim, "block 1 computed nowhere")
        let half = pixel(panel: 2, x: 0, y: 0)
        let zero = pixel(panel: 2, x: 3, y: 0)
        #expect(half[0] > zero[0] && half[2] < zero[2], "the summary brightens with the number of blocks: \(half) vs \(zero)")
    }
}
