import SMSRCPU

/// The end of a block on the fast kernels: channel attention's scales and the residual applied to the block
/// output, and that result's share of the network collect added, a row at a time so the 1x1 collect
/// reads rows still in cache instead of making another pass over the whole map.
extension VectorBackend {
    /// `output = output * scales + residual`, then `collected += collect[block] * output`, row by row.
    /// The first block's share starts the sum instead: `collected = collect bias + collect[0] * output`, the bias added
    /// to the finished products as the sum onto a map of biases adds them (so `collected` may hold anything before).
    /// With `reluAfter` (the last block), each row of the finished collect goes through ReLU while in cache.
    func addResidualAndCollect(_ network: SMSRNetwork, block b: Int, output: inout FeatureMap, scales: [Float],
                               residual: FeatureMap, collected: inout FeatureMap, reluAfter: Bool) {
        let (collect, collectBias, kernels) = (network.collect, network.collectBias, vector)
        let (h, w, c) = (output.height, output.width, output.channels)
        precondition(residual.values.count == output.values.count && collected.values.count == output.values.count,
                     "shape mismatch")
        precondition(scales.count == c && collect[b].inputs == c && collect[b].outputs == c, "collect shape mismatch")
        // One row at a time: its three pieces (output, residual, collect sum; 160 KiB each for 640x64) stay in L2
        // between the two steps, where four rows' did not (Benchmarks/engine.md, kernel choices).
        let weights = collect[b]
        let startBias = b == 0 ? collectBias + [Float](repeating: 0, count: weights.laneOutputs - c) : nil
        output.values.withUnsafeMutableBufferPointer { out in
            residual.values.withUnsafeBufferPointer { r in
                collected.values.withUnsafeMutableBufferPointer { sum in
                    scales.withUnsafeBufferPointer { s in
                        weights.laneValues.withUnsafeBufferPointer { wt in
                            withOptionalPointer(startBias) { bias in
                                // The first block writes the sum (bias added last); the others add to it.
                                let template = smsr_convolution(
                                    input: UnsafePointer(out.baseAddress!), height: h, width: w, input_channels: c,
                                    dense_inputs: c, used_inputs: c, mask: nil, kernel_size: 1, weights: wt.baseAddress,
                                    padded_outputs: weights.laneOutputs, bias: bias, output: sum.baseAddress, output_channels: c,
                                    computed_outputs: c, cleared_outputs: c, accumulate: bias == nil ? 1 : 0, relu: 0,
                                    input_ring_rows: 0, output_ring_rows: 0, positions: nil, first: 0, count: 0,
                                    empty_taps: weights.emptyTaps, bias_last: bias == nil ? 0 : 1)
                                kernels.team.forEachChunk(h, chunksPerThread: 4) { rows in
                                    for y in rows {
                                        FeatureArithmetic.scaleAndAdd(out.baseAddress! + y * w * c, scales: s.baseAddress!,
                                                                      residual: r.baseAddress! + y * w * c, pixels: w, channels: c)
                                        var job = template
                                        job.first = y * w
                                        job.count = w
                                        kernels.execute(job)
                                        if reluAfter { FeatureArithmetic.relu(sum.baseAddress! + y * w * c, count: w * c) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
