/// Where a block computes its sparse channels: one 0/1 value per low-resolution pixel, row-major.
/// Produced by the block's mask generator as `logit[1] > logit[0]` (strict, so a tie is 0).
public struct SpatialMask: Sendable, Equatable {
    public let height: Int
    public let width: Int
    public let bits: [UInt8]
    /// The number of ones: the N_b of the FLOPs formula.
    public let count: Int
    /// Row-major indices of the ones and of the zeros: the position lists the sparse kernels gather from.
    public let ones: [Int32]
    public let zeros: [Int32]
    /// `onesBeforeRow[y]`: the ones in rows 0..<y (height + 1 entries), so each row's stretch of `ones` and
    /// `zeros` is found without searching.
    public let onesBeforeRow: [Int]

    public init(height: Int, width: Int, bits: [UInt8]) {
        precondition(bits.count == height * width, "mask size mismatch")
        self.height = height
        self.width = width
        self.bits = bits
        precondition(bits.count <= Int(Int32.max), "mask too large")
        // Counted first, then written in place: appending grows the lists a few times over (1-2 ms per 640x360 mask).
        var before = [Int](repeating: 0, count: height + 1)
        var total = 0
        bits.withUnsafeBufferPointer { b in
            for y in 0..<height {
                before[y] = total
                for i in (y * width)..<((y + 1) * width) { total &+= Int(b[i] != 0 ? 1 : 0) }
            }
        }
        before[height] = total
        let ones = [Int32](unsafeUninitializedCapacity: total) { list, written in
            var n = 0
            bits.withUnsafeBufferPointer { b in
                for i in 0..<b.count where b[i] != 0 {
                    list[n] = Int32(i)
                    n &+= 1
                }
            }
            written = n
        }
        let zeros = [Int32](unsafeUninitializedCapacity: bits.count - total) { list, written in
            var n = 0
            bits.withUnsafeBufferPointer { b in
                for i in 0..<b.count where b[i] == 0 {
                    list[n] = Int32(i)
                    n &+= 1
                }
            }
            written = n
        }
        onesBeforeRow = before
        self.count = total
        self.ones = ones
        self.zeros = zeros
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
