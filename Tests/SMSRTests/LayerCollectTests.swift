import SMSRCPU
import Testing
@testable import SMSR

/// The fused collect of a block's layers over one row against a plain loop over its definition: rows whose masked
/// and unmasked pixels fill whole six-pixel blocks or leave partial ones, the network's channel counts and others,
/// one to four layers, and masks empty, full and random (sparse inputs 0 at unmasked pixels, as the layers leave
/// them).
@Suite struct LayerCollectTests {
    static let instructionSets = InstructionSet.allCases.filter(\.isSupported)

    /// (width, channels, layers, mask density)
    static let cases: [(Int, Int, Int, Double)] = [
        (1, 64, 4, 1.0), (5, 64, 4, 0.0), (6, 64, 4, 0.5), (13, 64, 4, 0.3), (40, 64, 4, 0.1), (37, 64, 3, 1.0),
        (19, 16, 4, 0.4), (12, 16, 1, 0.0), (11, 24, 2, 0.5), (9, 40, 4, 0.2),
    ]

    @Test(arguments: instructionSets, cases.indices)
    func fusedCollectMatchesPlainSums(_ set: InstructionSet, _ index: Int) throws {
        let (width, channels, layers, density) = Self.cases[index]
        var random = SplitMix64(seed: 4100 + UInt64(index))
        let mask: [UInt8] = (0..<width).map { _ in Double.random(in: 0..<1, using: &random) < density ? 1 : 0 }
        let dense = (0..<layers).map { _ in Int.random(in: 0...channels, using: &random) }
        // Each layer's row: dense inputs everywhere, sparse inputs only at masked pixels (0 elsewhere).
        let rows: [[Float]] = (0..<layers).map { l in
            let values = random.floats(width * channels)
            return (0..<(width * channels)).map { i in i % channels < dense[l] || mask[i / channels] != 0 ? values[i] : 0 }
        }
        let padded = (channels + 15) / 16 * 16
        let weights: [Float] = (0..<layers).flatMap { _ in
            (0..<channels).flatMap { _ in random.floats(channels) + [Float](repeating: 0, count: padded - channels) }
        }
        let bias = random.floats(channels) + [Float](repeating: 0, count: padded - channels)

        var expected = [Float](repeating: 0, count: width * channels)
        for x in 0..<width {
            for co in 0..<channels {
                var sum = bias[co]
                for l in 0..<layers {
                    for ci in 0..<channels { sum += weights[(l * channels + ci) * padded + co] * rows[l][x * channels + ci] }
                }
                expected[x * channels + co] = sum
            }
        }

        let kernels = try #require(SIMDKernels(set))
        // Values past the row must not be read or written: the row sits inside a larger buffer of NaNs.
        var output = [Float](repeating: .nan, count: (width + 2) * channels)
        let guarded = rows.map { [Float](repeating: .nan, count: channels) + $0 + [Float](repeating: .nan, count: 16 * channels) }
        withPointers(guarded) { sources in
            mask.withUnsafeBufferPointer { m in
                weights.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        output.withUnsafeMutableBufferPointer { out in
                            var job = smsr_layer_collect()
                            withUnsafeMutableBytes(of: &job.layers) { raw in
                                let pointers = raw.bindMemory(to: UnsafePointer<Float>?.self)
                                for l in 0..<layers { pointers[l] = sources[l] + channels }
                            }
                            withUnsafeMutableBytes(of: &job.dense_inputs) { raw in
                                let counts = raw.bindMemory(to: Int.self)
                                for l in 0..<layers { counts[l] = dense[l] }
                            }
                            job.layer_count = layers
                            job.channels = channels
                            job.width = width
                            job.mask = m.baseAddress
                            job.weights = w.baseAddress
                            job.padded_outputs = padded
                            job.bias = b.baseAddress
                            job.output = out.baseAddress! + channels
                            kernels.execute(job)
                        }
                    }
                }
            }
        }
        #expect(output.prefix(channels).allSatisfy(\.isNaN) && output.suffix(channels).allSatisfy(\.isNaN),
                "wrote outside the row")
        let ours = Array(output[channels..<((width + 1) * channels)])
        let diff = zip(ours, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(diff < 1e-3, "\(set) case \(index): max difference \(diff)")
    }

    private func withPointers<R>(_ arrays: [[Float]], _ body: ([UnsafePointer<Float>]) -> R) -> R {
        func nest(_ index: Int, _ collected: [UnsafePointer<Float>]) -> R {
            guard index < arrays.count else { return body(collected) }
            return arrays[index].withUnsafeBufferPointer { nest(index + 1, collected + [$0.baseAddress!]) }
        }
        return nest(0, [])
    }
}
