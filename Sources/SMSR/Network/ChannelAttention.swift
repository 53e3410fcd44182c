import Foundation

/// Squeeze-and-excitation channel attention: one scale per channel from the global average,
/// `sigmoid(W2 * ReLU(W1 * mean + b1) + b2)`.
struct ChannelAttention: Sendable {
    let squeeze: Tensor      // (reduced, C, 1, 1)
    let squeezeBias: Tensor
    let excite: Tensor       // (C, reduced, 1, 1)
    let exciteBias: Tensor

    init(weights: WeightSet, block b: Int) {
        let p = "body.\(b).ca.conv_du"
        squeeze = weights.tensor("\(p).0.weight")
        squeezeBias = weights.tensor("\(p).0.bias")
        excite = weights.tensor("\(p).2.weight")
        exciteBias = weights.tensor("\(p).2.bias")
    }

    func scales(for features: FeatureMap, team: ThreadTeam = .single) -> [Float] {
        scales(mean: Pooling.globalAverage(features, team: team))
    }

    /// The scales from the channel means already taken.
    func scales(mean: [Float]) -> [Float] {
        let (reduced, c) = (squeeze.shape[0], squeeze.shape[1])
        let hidden = (0..<reduced).map { r in
            var sum = squeezeBias.values[r]
            for i in 0..<c { sum += squeeze.values[r * c + i] * mean[i] }
            return max(sum, 0)
        }
        return (0..<c).map { o in
            var sum = exciteBias.values[o]
            for r in 0..<reduced { sum += excite.values[o * reduced + r] * hidden[r] }
            return 1 / (1 + Foundation.exp(-sum))
        }
    }
}
