import Foundation
import Imaging
import Testing

/// EXIF orientation: parsing (robust against junk) and applying it so decoded images are upright.
@Suite struct OrientationTests {
    /// 3 x 2 gray image, pixel value = its stored position: 1 2 3 / 4 5 6.
    static let stored = Image(width: 3, height: 2, layout: .gray, pixels: [1, 2, 3, 4, 5, 6])

    @Test(arguments: [
        (1, 3, [1, 2, 3, 4, 5, 6] as [UInt8]),
        (2, 3, [3, 2, 1, 6, 5, 4]),  // mirrored left-right
        (3, 3, [6, 5, 4, 3, 2, 1]),  // turned 180°
        (4, 3, [4, 5, 6, 1, 2, 3]),  // mirrored top-bottom
        (5, 2, [1, 4, 2, 5, 3, 6]),  // transposed
        (6, 2, [4, 1, 5, 2, 6, 3]),  // a quarter turn clockwise
        (7, 2, [6, 3, 5, 2, 4, 1]),  // transversed
        (8, 2, [3, 6, 2, 5, 1, 4]),  // a quarter turn counter-clockwise
    ])
    func orientedMovesEveryPixel(orientation: Int, width: Int, expected: [UInt8]) {
        let upright = Self.stored.oriented(orientation)
        #expect(upright.width == width)
        #expect(upright.height == 6 / width)
        #expect(upright.pixels == expected)
    }

    @Test func orientedKeepsMultiChannelPixelsTogether() {
        let image = Image(width: 2, height: 1, layout: .rgba, pixels: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(image.oriented(6).pixels == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(image.oriented(6).width == 1)
        #expect(image.oriented(2).pixels == [5, 6, 7, 8, 1, 2, 3, 4])
        #expect(image.oriented(0) == image && image.oriented(9) == image)
    }

    /// Which stored corner (of red TL, green TR, blue BL, white BR) shows at each upright corner.
    static let corners: [Int: [String]] = [
        1: ["TL", "TR", "BL", "BR"], 2: ["TR", "TL", "BR", "BL"], 3: ["BR", "BL", "TR", "TL"],
        4: ["BL", "BR", "TL", "TR"], 5: ["TL", "BL", "TR", "BR"], 6: ["BL", "TL", "BR", "TR"],
        7: ["BR", "TR", "BL", "TL"], 8: ["TR", "BR", "TL", "BL"],
    ]
    static let cornerColors: [String: [Int]] = [
        "TL": [255, 0, 0], "TR": [0, 255, 0], "BL": [0, 0, 255], "BR": [255, 255, 255],
    ]

    @Test func pillowWrittenOrientationsComeOutUpright() throws {
        try TestSupport.withTemporaryDirectory { outdir in
            _ = try TestSupport.runOracle("jpeg-fixtures", outdir: outdir)
            for orientation in 1...8 {
                let file = outdir.appendingPathComponent("orientation\(orientation).jpg")
                let decoded = try ImageCodec.decode(TestSupport.bytes(of: file))
                #expect(decoded.header.orientation == orientation)
                #expect(decoded.header.width == 48 && decoded.header.height == 32)
                let image = decoded.image
                #expect(image.width == (orientation >= 5 ? 32 : 48), "orientation \(orientation)")
                // Sample a few pixels in from each corner, away from the blurred quadrant edges.
                let (right, bottom) = (image.width - 4, image.height - 4)
                let points = [(3, 3), (right, 3), (3, bottom), (right, bottom)]
                for (point, corner) in zip(points, Self.corners[orientation] ?? []) {
                    let actual = image.pixel(x: point.0, y: point.1).map(Int.init)
                    let expected = Self.cornerColors[corner] ?? []
                    let close = zip(actual, expected).allSatisfy { abs($0 - $1) <= 12 }
                    #expect(close, "orientation \(orientation) at \(point): \(actual), want \(corner) \(expected)")
                }
            }
        }
    }

    @Test(arguments: [true, false])
    func exifInsertedIntoOurJPEGIsApplied(bigEndian: Bool) throws {
        let source = TestSupport.texturedImage(width: 24, height: 16)
        let jpeg = try ImageCodec.encode(source, as: .jpeg, quality: 90)
        let plain = try ImageCodec.decode(jpeg).image
        for orientation in 1...8 {
            let tiff = FileCrafting.exifTIFF(orientation: UInt16(orientation), bigEndian: bigEndian)
            let tagged = FileCrafting.insertingExif(jpeg, tiff: tiff)
            let decoded = try ImageCodec.decode(tagged)
            #expect(decoded.header.orientation == orientation)
            #expect(decoded.image == plain.oriented(orientation))
        }
    }

    @Test func pngEXIfChunkIsApplied() throws {
        let source = TestSupport.texturedImage(width: 5, height: 3, layout: .rgba)
        let png = try ImageCodec.encode(source, as: .png)
        let tagged = FileCrafting.insertingAfterIHDR(
            png, FileCrafting.pngChunk("eXIf", FileCrafting.exifTIFF(orientation: 6, bigEndian: true)))
        let decoded = try ImageCodec.decode(tagged)
        #expect(decoded.header.orientation == 6)
        #expect(decoded.image.width == 3 && decoded.image.height == 5)
        #expect(decoded.image == source.oriented(6))
        // PngSuite's exif2c08 carries orientation 1.
        let suiteFile = TestSupport.pngSuite.appendingPathComponent("exif2c08.png")
        let suite = try ImageCodec.readHeader(TestSupport.bytes(of: suiteFile))
        #expect(suite.orientation == 1)
    }

    @Test func malformedExifIsIgnored() throws {
        let valid = FileCrafting.exifTIFF(orientation: 6, bigEndian: false)
        #expect(ExifOrientation.parse(valid[...]) == 6)
        #expect(ExifOrientation.parse((Array("Exif".utf8) + [0, 0] + valid)[...]) == 6)
        var cases: [[UInt8]] = [
            [], [0x49, 0x49], Array(valid.prefix(9)), Array(valid.prefix(19)),
            FileCrafting.exifTIFF(orientation: 0, bigEndian: true),
            FileCrafting.exifTIFF(orientation: 9, bigEndian: true),
            FileCrafting.exifTIFF(orientation: 0xFFFF, bigEndian: false),
        ]
        var badMagic = valid
        badMagic[2] = 43
        var badOrder = valid
        badOrder[0] = 0x4D
        var hugeOffset = valid
        hugeOffset[4...7] = [0xFF, 0xFF, 0xFF, 0x7F]
        var hugeCount = valid  // 65535 entries claimed, none of them the orientation
        hugeCount[8...9] = [0xFF, 0xFF]
        hugeCount[10] = 0x13
        var noEntries = valid
        noEntries[8...9] = [0, 0]
        var wrongType = valid
        wrongType[12] = 4  // LONG instead of SHORT
        cases += [badMagic, badOrder, hugeOffset, hugeCount, noEntries, wrongType]
        for block in cases { #expect(ExifOrientation.parse(block[...]) == nil, "\(block)") }

        // In a file, junk EXIF or a lying segment length leaves the image decodable and upright.
        let jpeg = try ImageCodec.encode(TestSupport.texturedImage(width: 8, height: 8), as: .jpeg)
        let plain = try ImageCodec.decode(jpeg).image
        for block in cases {
            let decoded = try ImageCodec.decode(FileCrafting.insertingExif(jpeg, tiff: block))
            #expect(decoded.header.orientation == 1)
            #expect(decoded.image == plain)
        }
    }
}
