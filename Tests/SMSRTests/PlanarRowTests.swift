import SMSRCPU
import Testing
@testable import SMSR

/// The few-output row convolution on channel-by-channel rows against a plain loop over its definition: widths
/// around the tiles' spans (16 to 64 positions on AVX-512, 8 and 24 on AVX2), every output count up to 12 and past it,
/// and only the first `outputs` channels of each output pixel written.
@Suite struct PlanarRowTests {
    static let instructionSets = InstructionSet.allCases.filter(\.isSupported)

    /// (width, inputs, outputs, padded outputs, weight inputs, output channels)
    static let cases: [(Int, Int, Int, Int, Int, Int)] = [
        (1, 1, 1, 16, 64, 64), (7, 3, 4, 16, 64, 64), (16, 9, 9, 16, 64, 64), (17, 24, 3, 16, 64, 64),
        (64, 16, 1, 16, 64, 64), (65, 5, 12, 16, 8, 20), (100, 7, 5, 16, 7, 9), (40, 2, 17, 32, 2, 40),
        // Every output count from 1 to 12 has a tile of its own on AVX-512.
        (33, 6, 2, 16, 64, 64), (48, 4, 6, 16, 8, 16), (50, 16, 7, 16, 64, 64), (31, 3, 8, 16, 3, 8),
        (20, 5, 10, 16, 64, 64), (70, 9, 11, 16, 9, 12),
    ]

    @Test(arguments: instructionSets, cases.indices)
    func planarRowMatchesPlainSums(_ set: InstructionSet, _ index: Int) throws {
        let (width, inputs, outputs, padded, weightInputs, channels) = Self.cases[index]
        var random = SplitMix64(seed: 5200 + UInt64(index))
        let pitch = width + 2 + 64
        // Three input rows, channel by channel, zero outside columns 1...width.
        let rows: [[Float]] = (0..<3).map { _ in
            var row = [Float](repeating: 0, count: inputs * pitch)
            for ci in 0..<inputs {
                for x in 0..<width { row[ci * pitch + 1 + x] = Float.random(in: -1...1, using: &random) }
            }
            return row
        }
        let weights: [Float] = (0..<(9 * weightInputs)).flatMap { _ in
            random.floats(outputs) + [Float](repeating: 0, count: padded - outputs)
        }
        var expected = [Float](repeating: .nan, count: width * channels)
        for x in 0..<width {
            for co in 0..<outputs {
                var sum: Float = 0
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        for ci in 0..<inputs {
                            sum = sum.addingProduct(rows[ky][ci * pitch + x + kx], weights[((ky * 3 + kx) * weightInputs + ci) * padded + co])
                        }
                    }
                }
                expected[x * channels + co] = max(sum, 0)
            }
        }

        let kernels = try #require(SIMDKernels(set))
        var output = [Float](repeating: .nan, count: width * channels)
        rows[0].withUnsafeBufferPointer { r0 in
            rows[1].withUnsafeBufferPointer { r1 in
                rows[2].withUnsafeBufferPointer { r2 in
                    weights.withUnsafeBufferPointer { w in
                        output.withUnsafeMutableBufferPointer { out in
                            var job = smsr_planar_row()
                            job.planar = (r0.baseAddress, r1.baseAddress, r2.baseAddress)
                            job.pitch = pitch
                            job.width = width
                            job.inputs = inputs
                            job.weights = w.baseAddress
                            job.weight_inputs = weightInputs
                            job.padded_outputs = padded
                            job.outputs = outputs
                            job.output = out.baseAddress
                            job.output_channels = channels
                            kernels.execute(job)
                        }
                    }
                }
            }
        }
        for x in 0..<width {
            for ch in 0..<channels {
                let (ours, theirs) = (output[x * channels + ch], expected[x * channels + ch])
                if ch < outputs {
                    // The kernel sums in the same order with fused multiply-adds: the same bits.
                    #expect(ours == theirs, "\(set) case \(index): pixel \(x) output \(ch): \(ours) against \(theirs)")
                } else {
                    #expect(ours.isNaN, "\(set) case \(index): pixel \(x) channel \(ch) was written")
                }
            }
        }
    }
}
