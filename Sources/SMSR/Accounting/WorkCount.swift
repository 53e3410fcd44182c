/// Multiply-accumulates, the unit the paper calls FLOPs: what the dense network would do and what the
/// engine executed after skipping the masked-out sparse work.
public struct WorkCount: Sendable, Equatable, Codable {
    public var dense: Int
    public var executed: Int

    public init(dense: Int, executed: Int) {
        self.dense = dense
        self.executed = executed
    }

    /// 1 - executed / dense.
    public var savedFraction: Double { dense == 0 ? 0 : 1 - Double(executed) / Double(dense) }

    public static func + (a: WorkCount, b: WorkCount) -> WorkCount {
        WorkCount(dense: a.dense + b.dense, executed: a.executed + b.executed)
    }
}

/// Counts multiply-accumulates the way the paper does: `Cin*Cout*k*k` per output pixel, zero-padding taps
/// included, biases, activations, pooling, the mean shift and the bicubic skip not counted; the transposed
/// convolution counts per input pixel.
public struct WorkAccounting: Sendable {
    public let channels: Int
    public let maskChannels: Int
    public let scale: Int
    public let splits: [[ChannelSplit]]

    public init(channels: Int, maskChannels: Int, scale: Int, splits: [[ChannelSplit]]) {
        self.channels = channels
        self.maskChannels = maskChannels
        self.scale = scale
        self.splits = splits
    }

    /// The work for an input of `height` x `width` with the given per-block mask counts (N_b).
    public func count(height: Int, width: Int, maskCounts: [Int]) -> WorkCount {
        precondition(maskCounts.count == splits.count, "one mask count per block")
        let (c, p) = (channels, height * width)
        let reduced = max(c / 16, 1)
        let head = (3 * c * 9 + c * c * 9) * p
        let attention = 2 * c * reduced
        let collect = splits.count * c * c * p + c * c * 9 * p
        let tail = c * 3 * scale * scale * 9 * p
        let common = head + maskGeneratorWork(height: height, width: width) + splits.count * attention + collect + tail
        let layers = WeightSet.layersPerBlock
        let smbDense = (layers * c * c * 9 + layers * c * c) * p
        var executed = common
        for (block, n) in zip(splits, maskCounts) {
            executed += Self.sparseBlockWork(block, channels: c, pixels: p, masked: n)
        }
        return WorkCount(dense: common + splits.count * smbDense, executed: executed)
    }

    /// The mask generators' share of the dense count.
    public func maskGeneratorWork(height: Int, width: Int) -> Int {
        let (c, m) = (channels, maskChannels)
        return splits.count * (c * m * 9 * height * width + (m * m * 9 + m * 2 * 9) * (height / 2) * (width / 2))
    }

    /// One sparse mask block: per layer `d_out*d_in*9*P + s_out*d_in*9*N + (d_out+s_out)*s_in*9*N`, then the
    /// 1x1 collect `C*D*P + C*S*N` over the layers' dense (D) and sparse (S) outputs.
    static func sparseBlockWork(_ splits: [ChannelSplit], channels c: Int, pixels p: Int, masked n: Int) -> Int {
        var work = 0
        var (dIn, sIn) = (c, 0)
        var (denseTotal, sparseTotal) = (0, 0)
        for split in splits {
            let (dOut, sOut) = (split.dense.count, split.sparse.count)
            work += dOut * dIn * 9 * p + sOut * dIn * 9 * n + (dOut + sOut) * sIn * 9 * n
            denseTotal += dOut
            sparseTotal += sOut
            (dIn, sIn) = (dOut, sOut)
        }
        return work + c * denseTotal * p + c * sparseTotal * n
    }
}
