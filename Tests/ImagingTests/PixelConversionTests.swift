import Imaging
import Testing

/// Interleaved 8-bit <-> planar float, alpha and layout conversions.
@Suite struct PixelConversionTests {
    @Test func planarRGBSplitsPlanesAndRoundTrips() {
        let image = Image(width: 2, height: 1, layout: .rgb, pixels: [1, 2, 3, 4, 5, 6])
        #expect(image.planarRGB() == [1, 4, 2, 5, 3, 6])
        #expect(Image(planarRGB: image.planarRGB(), width: 2, height: 1) == image)
        let textured = TestSupport.texturedImage(width: 13, height: 7)
        #expect(Image(planarRGB: textured.planarRGB(), width: 13, height: 7) == textured)
    }

    @Test func planarRGBReplicatesGrayAndIgnoresAlpha() {
        let gray = Image(width: 2, height: 1, layout: .grayAlpha, pixels: [10, 99, 20, 98])
        #expect(gray.planarRGB() == [10, 20, 10, 20, 10, 20])
        let rgba = Image(width: 1, height: 1, layout: .rgba, pixels: [7, 8, 9, 200])
        #expect(rgba.planarRGB() == [7, 8, 9])
    }

    @Test func quantizationClampsAndRoundsHalfToEven() {
        let planes: [Float] = [84.5, 85.5, 0.5, -3, 255.7, 1000, 254.5, 1.5, .nan]
        let image = Image(planarRGB: planes, width: 3, height: 1)
        // R plane: 84.5 85.5 0.5 | G plane: -3 255.7 1000 | B plane: 254.5 1.5 NaN
        #expect(image.pixels == [84, 0, 254, 86, 255, 2, 0, 255, 0])
    }

    @Test func alphaPlaneAndAttach() {
        let rgb = Image(width: 2, height: 1, layout: .rgb, pixels: [1, 2, 3, 4, 5, 6])
        #expect(rgb.alphaPlane() == nil)
        let rgba = rgb.attachingAlpha([128.5, 300])
        #expect(rgba.layout == .rgba)
        #expect(rgba.pixels == [1, 2, 3, 128, 4, 5, 6, 255])
        #expect(rgba.alphaPlane() == [128, 255])
        #expect(rgba.attachingAlpha([0, 1]).pixels == [1, 2, 3, 0, 4, 5, 6, 1])
        let gray = Image(width: 2, height: 1, layout: .gray, pixels: [9, 10])
        let grayAlpha = gray.attachingAlpha([3.5, 2.5])
        #expect(grayAlpha.layout == .grayAlpha)
        #expect(grayAlpha.pixels == [9, 4, 10, 2])
    }

    @Test func layoutConversions() {
        let rgb = Image(width: 3, height: 1, layout: .rgb, pixels: [255, 0, 0, 0, 255, 0, 10, 20, 30])
        // BT.601: 0.299 * 255 = 76.245, 0.587 * 255 = 149.685, 0.299*10 + 0.587*20 + 0.114*30 = 18.15.
        #expect(rgb.converted(to: .gray).pixels == [76, 150, 18])
        #expect(rgb.converted(to: .rgba).pixels == [255, 0, 0, 255, 0, 255, 0, 255, 10, 20, 30, 255])
        #expect(rgb.converted(to: .grayAlpha).pixels == [76, 255, 150, 255, 18, 255])
        let grayAlpha = Image(width: 2, height: 1, layout: .grayAlpha, pixels: [7, 100, 8, 200])
        #expect(grayAlpha.converted(to: .rgb).pixels == [7, 7, 7, 8, 8, 8])
        #expect(grayAlpha.converted(to: .rgba).pixels == [7, 7, 7, 100, 8, 8, 8, 200])
        #expect(grayAlpha.converted(to: .gray).pixels == [7, 8])
        #expect(grayAlpha.converted(to: .grayAlpha) == grayAlpha)
        let rgba = Image(width: 1, height: 1, layout: .rgba, pixels: [1, 2, 3, 4])
        #expect(rgba.converted(to: .rgb).pixels == [1, 2, 3])
        #expect(rgba.converted(to: .grayAlpha).pixels == [2, 4])
    }

    @Test func layoutProperties() {
        #expect(PixelLayout.allCases.map(\.channelCount) == [1, 2, 3, 4])
        #expect(PixelLayout.allCases.map(\.hasAlpha) == [false, true, false, true])
        #expect(PixelLayout.allCases.map(\.isGray) == [true, true, false, false])
        #expect(PixelLayout(channelCount: 3) == .rgb && PixelLayout(channelCount: 5) == nil)
    }
}
