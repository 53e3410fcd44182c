/// Where a block computes its sparse channels: one 0/1 value per low-resolution pixel, row-major.
/// Produced by the block's mask generator as `logit[1] > logit[0]` (strict, so a tie is 0).
public struct SpatialMask: Sendable, Equatable {
    public let height: Int
    public let width: Int
    public let bits: [UInt8]
    /// The number of ones: the N_b of the FLOPs formula.
    public let count: Int
    /// Row-major indices of the ones and of the zeros: the position lists the sparse kernels gather from. Empty in a
    /// mask kept as a run's record (`record`), which no kernel is given.
    public let ones: [Int32]
    public let zeros: [Int32]
    /// `onesBeforeRow[y]`: the ones in rows 0..<y (height + 1 entries), so each row's stretch of `ones` and
    /// `zeros` is found without searching.
    public let onesBeforeRow: [Int]

    public init(height: Int, width: Int, bits: [UInt8]) {
        self.init(height: height, width: width, bits: bits, team: .single)
    }

    /// The same, with the rows split across `team`: each row's ones are counted, then each row writes its stretch of
    /// both lists in place (appending would grow the lists a few times over).
    init(height: Int, width: Int, bits: [UInt8], team: ThreadTeam) {
        precondition(bits.count == height * width, "mask size mismatch")
        precondition(bits.count <= Int(Int32.max), "mask too large")
        self.height = height
        self.width = width
        self.bits = bits
        var before = [Int](repeating: 0, count: height + 1)
        bits.withUnsafeBufferPointer { b in
            before.withUnsafeMutableBufferPointer { counts in
                team.forEachChunk(height) { rows in
                    for y in rows {
                        var n = 0
                        for i in (y &* width)..<((y &+ 1) &* width) { n &+= Int(b[i] != 0 ? 1 : 0) }
                        counts[y &+ 1] = n
                    }
                }
            }
        }
        for y in 0..<height { before[y + 1] += before[y] }
        let total = before[height]
        var zeros: [Int32] = []
        let ones = [Int32](unsafeUninitializedCapacity: total) { oneList, onesWritten in
            zeros = [Int32](unsafeUninitializedCapacity: bits.count - total) { zeroList, zerosWritten in
                bits.withUnsafeBufferPointer { b in
                    before.withUnsafeBufferPointer { before in
                        team.forEachChunk(height) { rows in
                            for y in rows {
                                var (one, zero) = (before[y], y &* width &- before[y])
                                for i in (y &* width)..<((y &+ 1) &* width) {
                                    if b[i] != 0 {
                                        oneList[one] = Int32(i)
                                        one &+= 1
                                    } else {
                                        zeroList[zero] = Int32(i)
                                        zero &+= 1
                                    }
                                }
                            }
                        }
                    }
                }
                zerosWritten = bits.count - total
            }
            onesWritten = total
        }
        onesBeforeRow = before
        self.count = total
        self.ones = ones
        self.zeros = zeros
    }

    /// The mask as a run keeps it once its block has run (`InferenceResult.masks`): without the position lists, which
    /// take 4 bytes a pixel where the bits take 1 and would otherwise stay allocated for every block until the run ends.
    public var record: SpatialMask {
        SpatialMask(height: height, width: width, bits: bits, count: count, onesBeforeRow: onesBeforeRow)
    }

    private init(height: Int, width: Int, bits: [UInt8], count: Int, onesBeforeRow: [Int]) {
        self.height = height
        self.width = width
        self.bits = bits
        self.count = count
        ones = []
        zeros = []
        self.onesBeforeRow = onesBeforeRow
    }

    /// The same mask: the count and the lists follow from the bits (a record has no lists).
    public static func == (a: SpatialMask, b: SpatialMask) -> Bool {
        a.height == b.height && a.width == b.width && a.bits == b.bits
    }

    /// A mask of ones everywhere: every sparse channel is computed at every pixel (the plain dense network).
    public static func full(height: Int, width: Int) -> SpatialMask {
        SpatialMask(height: height, width: width, bits: [UInt8](repeating: 1, count: height * width))
    }

    /// Row y's stretch of `ones` (start index, count) and of `zeros`.
    public func onesInRow(_ y: Int) -> (start: Int, count: Int) { (onesBeforeRow[y], onesBeforeRow[y + 1] - onesBeforeRow[y]) }
    public func zerosInRow(_ y: Int) -> (start: Int, count: Int) {
        let ones = onesInRow(y)
        return (y * width - ones.start, width - ones.count)
    }

    public var density: Double { bits.isEmpty ? 0 : Double(count) / Double(bits.count) }

    public subscript(y: Int, x: Int) -> Bool { bits[y * width + x] != 0 }
}
