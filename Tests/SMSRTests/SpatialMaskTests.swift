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
        #expect(SpatialMask(height: height, width: width, bits: bits, team: ThreadTeam(threads: 3)) == mask)
    }
}
