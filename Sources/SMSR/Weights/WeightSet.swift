/// Why a set of tensors is not a usable SMSR model.
public enum WeightSetError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(String)
    case wrongShape(name: String, expected: [Int], found: [Int])
    case unsupportedScale(Int)
    case inconsistent(String)

    public var description: String {
        switch self {
        case let .missing(name): "the model lacks tensor \(name)"
        case let .wrongShape(name, expected, found): "tensor \(name) has shape \(found), expected \(expected)"
        case let .unsupportedScale(scale): "the tail implies scale \(scale); scales 2, 3 and 4 are supported"
        case let .inconsistent(detail): "the model is inconsistent: \(detail)"
        }
    }
}

/// The weights of one SMSR model, every name and shape checked against the architecture.
/// Key names are the official PyTorch state-dict names.
public struct WeightSet: Sendable {
    public let scale: Int
    public let channels: Int
    public let blockCount: Int
    public let maskChannels: Int
    public let parameterCount: Int
    public let metadata: [String: String]
    let tensors: [String: Tensor]

    /// Convolution layers per sparse mask block.
    public static let layersPerBlock = 4

    public init(file: SafeTensorsFile) throws(WeightSetError) {
        try self.init(tensors: file.tensors, metadata: file.metadata)
    }

    public init(tensors: [String: Tensor], metadata: [String: String] = [:]) throws(WeightSetError) {
        func shape(_ name: String) throws(WeightSetError) -> [Int] {
            guard let tensor = tensors[name] else { throw .missing(name) }
            return tensor.shape
        }
        let tailShape = try shape("tail.0.weight")
        let headShape = try shape("head.0.weight")
        guard tailShape.count == 4, headShape.count == 4 else {
            throw .inconsistent("tail.0.weight and head.0.weight must be 4-D convolution weights")
        }
        let c = headShape[0]
        let scaleSquared = tailShape[0] / 3
        let scale = Int(Double(scaleSquared).squareRoot().rounded())
        guard tailShape[0] % 3 == 0, scale * scale == scaleSquared else {
            throw .inconsistent("tail.0.weight has \(tailShape[0]) outputs, not 3*s*s")
        }
        guard [2, 3, 4].contains(scale) else { throw .unsupportedScale(scale) }
        var blocks = 0
        while tensors["body.\(blocks).body.ch_mask"] != nil { blocks += 1 }
        guard blocks > 0 else { throw .missing("body.0.body.ch_mask") }
        let maskChannels = try shape("body.0.spa_mask.0.weight").first ?? 0
        let layers = Self.layersPerBlock

        var expected: [(String, [Int])] = [
            ("sub_mean.weight", [3, 3, 1, 1]), ("sub_mean.bias", [3]),
            ("add_mean.weight", [3, 3, 1, 1]), ("add_mean.bias", [3]),
            ("head.0.weight", [c, 3, 3, 3]), ("head.0.bias", [c]),
            ("head.2.weight", [c, c, 3, 3]), ("head.2.bias", [c]),
            ("collect.0.weight", [c, c * blocks, 1, 1]), ("collect.0.bias", [c]),
            ("collect.2.weight", [c, c, 3, 3]), ("collect.2.bias", [c]),
            ("tail.0.weight", [3 * scale * scale, c, 3, 3]), ("tail.0.bias", [3 * scale * scale]),
        ]
        let reduced = max(c / 16, 1)
        for b in 0..<blocks {
            let p = "body.\(b)"
            expected += [
                ("\(p).spa_mask.0.weight", [maskChannels, c, 3, 3]), ("\(p).spa_mask.0.bias", [maskChannels]),
                ("\(p).spa_mask.3.weight", [maskChannels, maskChannels, 3, 3]), ("\(p).spa_mask.3.bias", [maskChannels]),
                ("\(p).spa_mask.5.weight", [maskChannels, 2, 3, 3]), ("\(p).spa_mask.5.bias", [2]),
                ("\(p).body.ch_mask", [1, c, layers, 2]),
                ("\(p).body.collect.weight", [c, c * layers, 1, 1]), ("\(p).body.collect.bias", [c]),
                ("\(p).ca.conv_du.0.weight", [reduced, c, 1, 1]), ("\(p).ca.conv_du.0.bias", [reduced]),
                ("\(p).ca.conv_du.2.weight", [c, reduced, 1, 1]), ("\(p).ca.conv_du.2.bias", [c]),
            ]
            for l in 0..<layers { expected.append(("\(p).body.body.\(l).weight", [c, c, 3, 3])) }
        }
        var parameters = 0
        for (name, want) in expected {
            let found = try shape(name)
            guard found == want else { throw .wrongShape(name: name, expected: want, found: found) }
            parameters += want.reduce(1, *)
        }
        self.scale = scale
        self.channels = c
        self.blockCount = blocks
        self.maskChannels = maskChannels
        self.parameterCount = parameters
        self.metadata = metadata
        self.tensors = tensors
    }

    /// A tensor the initializer has validated; asking for another name is a programming error.
    func tensor(_ name: String) -> Tensor {
        guard let tensor = tensors[name] else { preconditionFailure("unvalidated tensor \(name)") }
        return tensor
    }
}
