import Foundation
@testable import SMSR

/// Writes safetensors bytes for tests: synthetic models and deliberately broken files.
enum SafeTensorsBuilder {
    static func bytes(_ tensors: [(name: String, shape: [Int], values: [Float])], metadata: [String: String] = [:]) -> [UInt8] {
        var header: [String: Any] = [:]
        var data: [UInt8] = []
        for tensor in tensors {
            let begin = data.count
            for value in tensor.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [begin, data.count]]
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        return wrap(header: header, data: data)
    }

    static func wrap(header: [String: Any], data: [UInt8]) -> [UInt8] {
        let json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data()
        return wrap(headerText: [UInt8](json), data: data)
    }

    static func wrap(headerText: [UInt8], data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(headerText.count).littleEndian) { out.append(contentsOf: $0) }
        return out + headerText + data
    }

    /// Every tensor of an SMSR model of the given scale, filled by `fill(name, count)`.
    static func model(scale: Int, fill: (String, Int) -> [Float]) -> [String: Tensor] {
        var shapes: [(String, [Int])] = [
            ("sub_mean.weight", [3, 3, 1, 1]), ("sub_mean.bias", [3]), ("add_mean.weight", [3, 3, 1, 1]), ("add_mean.bias", [3]),
            ("head.0.weight", [64, 3, 3, 3]), ("head.0.bias", [64]), ("head.2.weight", [64, 64, 3, 3]), ("head.2.bias", [64]),
            ("collect.0.weight", [64, 320, 1, 1]), ("collect.0.bias", [64]), ("collect.2.weight", [64, 64, 3, 3]), ("collect.2.bias", [64]),
            ("tail.0.weight", [3 * scale * scale, 64, 3, 3]), ("tail.0.bias", [3 * scale * scale]),
        ]
        for b in 0..<5 {
            let p = "body.\(b)"
            shapes += [
                ("\(p).spa_mask.0.weight", [16, 64, 3, 3]), ("\(p).spa_mask.0.bias", [16]),
                ("\(p).spa_mask.3.weight", [16, 16, 3, 3]), ("\(p).spa_mask.3.bias", [16]),
                ("\(p).spa_mask.5.weight", [16, 2, 3, 3]), ("\(p).spa_mask.5.bias", [2]),
                ("\(p).body.ch_mask", [1, 64, 4, 2]),
                ("\(p).body.collect.weight", [64, 256, 1, 1]), ("\(p).body.collect.bias", [64]),
                ("\(p).ca.conv_du.0.weight", [4, 64, 1, 1]), ("\(p).ca.conv_du.0.bias", [4]),
                ("\(p).ca.conv_du.2.weight", [64, 4, 1, 1]), ("\(p).ca.conv_du.2.bias", [64]),
            ]
            for l in 0..<4 { shapes.append(("\(p).body.body.\(l).weight", [64, 64, 3, 3])) }
        }
        var tensors: [String: Tensor] = [:]
        for (name, shape) in shapes { tensors[name] = Tensor(shape: shape, values: fill(name, shape.reduce(1, *))) }
        return tensors
    }
}

/// A small deterministic generator so random tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }
}
