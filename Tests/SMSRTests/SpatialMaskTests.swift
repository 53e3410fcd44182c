import Testing
@testable import SMSR

/// The position lists a mask gives the sparse kernels, against the bits they come from.
@Suite struct SpatialMaskTests {
    @Test(arguments: [(1, 1, 0.0), (1, 1, 1.0), (3, 5, 0.0), (4, 7, 1.0), (9, 13, 0.3), (17, 31, 0.7)])
    func positionListsFollowTheBits(_ height: Int, _ width: Int, _ density: Double) {
        var random = SplitMix64(seed: UInt64(height * 100 + width))
        let bits = (0..<(height * width)).map { _ in UInt8(Double(random.next() % 1000) < density * 1000 ? 1 : 0) }
        let mask = SpatialMask(height: height, width: width, bits: bits)
        let ones = bits.indices.filter { bits[$0] != 0 }.map(Int32.init)
        let zeros = bits.indices.filter { bits[$0] == 0 }.map(Int32.init)
        #expect(mask.ones == ones)
        #expect(mask.zeros == zeros)
        #expect(mask.count == ones.count)
        for y in 0..<height {
            let row = (y * width)..<((y + 1) * width)
            let (oneStart, oneCount) = mask.onesInRow(y)
            #expect(Array(mask.ones[oneStart..<(oneStart + oneCount)]) == ones.filter { row.contains(Int($0)) })
            let (zeroStart, zeroCount) = mask.zerosInRow(y)
            #expect(Array(mask.zeros[zeroStart..<(zeroStart + zeroCount)]) == zeros.filter { row.contains(Int($0)) })
        }
        // Rows split across threads give the same lists.
        let threaded = SpatialMask(height: height, width: width, bits: bits, team: ThreadTeam(threads: 3))
        #expect(threaded.ones == mask.ones && threaded.zeros == mask.zeros && threaded.onesBeforeRow == mask.onesBeforeRow)
    }

    @Test func aRecordKeepsTheBitsAndCountsWithoutTheLists() {
        let bits: [UInt8] = [0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0]
        let mask = SpatialMask(height: 3, width: 4, bits: bits)
        let record = mask.record
        #expect(record == mask && record.bits == bits && record.count == 6 && record.density == 0.5)
        #expect(record.onesBeforeRow == mask.onesBeforeRow && record.onesInRow(2) == mask.onesInRow(2))
        #expect(record.ones.isEmpty && record.zeros.isEmpty)
        #expect(SpatialMask(height: 3, width: 4, bits: bits.map { 1 - $0 }) != mask)
    }

    /// A run's masks are records: the position lists of every block are not held until the run ends.
    @Test func aRunKeepsItsMasksAsRecords() throws {
        let image = try TestImages.image("reference/crop_baby_64x64_lr.png").cropped(x: 0, y: 0, width: 24, height: 20)
        let result = SharedData.officialNetwork.run(planarRGB: image.planarRGB(), height: 20, width: 24)
        #expect(result.masks.count == SharedData.officialNetwork.blocks.count)
        for mask in result.masks {
            #expect(mask.ones.isEmpty && mask.zeros.isEmpty)
            #expect(mask == SpatialMask(height: 20, width: 24, bits: mask.bits) && mask.count == mask.bits.filter { $0 != 0 }.count)
        }
        #expect(result.masks.contains { $0.count > 0 }, "the crop has masked pixels")
    }
}
