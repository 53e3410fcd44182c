import Foundation

/// Which output channels of one sparse-mask-block layer are dense (computed at every pixel) and which are
/// sparse (computed only where the spatial mask is 1). A property of the weights, computed once at load.
public struct ChannelSplit: Sendable, Equatable {
    public let dense: [Int]
    public let sparse: [Int]

    public init(dense: [Int], sparse: [Int]) {
        self.dense = dense
        self.sparse = sparse
    }

    /// Channels dense first, then sparse: the order in which the engine stores this layer's output.
    public var order: [Int] { dense + sparse }

    /// All channels dense: the input of a block's first layer.
    public static func allDense(_ channels: Int) -> ChannelSplit { ChannelSplit(dense: Array(0..<channels), sparse: []) }

    /// The hard channel masks of one block from its `ch_mask` logits, shape (1, C, layers, 2):
    /// softmax over the last axis, rounded; index 0 means dense, index 1 sparse.
    public static func fromLogits(_ logits: Tensor) -> [ChannelSplit] {
        let (channels, layers) = (logits.shape[1], logits.shape[2])
        return (0..<layers).map { layer in
            var dense: [Int] = []
            var sparse: [Int] = []
            for c in 0..<channels {
                let base = (c * layers + layer) * 2
                let (a, b) = (logits.values[base], logits.values[base + 1])
                // softmax(a, b)[1] = 1 / (1 + exp(a - b)); rounding it gives 1 exactly when it exceeds 0.5
                // (an exact tie would round both to 0 in the official code; it does not occur in trained weights,
                // and is taken as dense here).
                let pSparse = 1 / (1 + Foundation.exp(Double(a) - Double(b)))
                if pSparse > 0.5 { sparse.append(c) } else { dense.append(c) }
            }
            return ChannelSplit(dense: dense, sparse: sparse)
        }
    }
}
