import SMSRCPU

/// The end of a block on the fast kernels: channel attention's scales and the residual applied to the block
/// output, and that result's share of the network collect added, a row at a time so the 1x1 collect
/// reads rows still in cache instead of making another pass over the whole map.
///
/// Blocks end in pairs: an even block that has a next one leaves its share to the next block's end, which reads the
/// same map (the even block's result is the next block's residual) and adds both shares to each row of the collect
/// sum while it is in cache. The sum then goes through memory once per pair instead of once per block; the shares are
/// added in the same order, so the bits are the same.
extension VectorBackend {
    /// Whether block `b` leaves its share of the network collect to the next block's end.
    static func defersCollect(block b: Int, of count: Int) -> Bool {
        b % 2 == 0 && b + 1 < count
    }

    /// `output = output * scales + residual`, then, row by row, `collected += collect[deferred] * residual` when
    /// the previous block left its share (`deferred`), and `collected += collect[block] * output` unless this block
    /// leaves its own (`collectsOwn` false). Block 0's share starts the sum instead: `collected = collect bias +
    /// collect[0] * map`, the bias added to the finished products as the sum onto a map of biases adds them (so
    /// `collected` may hold anything before). With `reluAfter` (the last block), each row of the finished collect goes
    /// through ReLU while in cache.
    func addResidualAndCollect(_ network: SMSRNetwork, block b: Int, output: inout FeatureMap, scales: [Float],
                               residual: FeatureMap, collected: inout FeatureMap, deferred: Int?, collectsOwn: Bool,
                               reluAfter: Bool) {
        let (collect, collectBias, kernels) = (network.collect, network.collectBias, vector)
        let (h, w, c) = (output.height, output.width, output.channels)
        precondition(residual.values.count == output.values.count && collected.values.count == output.values.count,
                     "shape mismatch")
        precondition(scales.count == c && collect[b].inputs == c && collect[b].outputs == c, "collect shape mismatch")
        precondition(deferred.map { $0 == b - 1 } ?? true, "only the previous block's share can be left to this one")
        // Each share, in block order: (block, reads the residual rather than the output).
        let shares = (deferred.map { [($0, true)] } ?? []) + (collectsOwn ? [(b, false)] : [])
        // One row at a time: its pieces (output, residual, collect sum; 160 KiB each for 640x64) stay in L2
        // between the steps, where four rows' did not (Benchmarks/engine.md, kernel choices).
        let weights = shares.map { collect[$0.0] }
        let lanes = weights.first?.laneOutputs ?? c
        let startBias = shares.first?.0 == 0 ? collectBias + [Float](repeating: 0, count: lanes - c) : nil
        output.values.withUnsafeMutableBufferPointer { out in
            residual.values.withUnsafeBufferPointer { r in
                collected.values.withUnsafeMutableBufferPointer { sum in
                    scales.withUnsafeBufferPointer { s in
                        withPointers(weights.map(\.laneValues)) { wt in
                            withOptionalPointer(startBias) { bias in
                                // The first share of block 0 writes the sum (bias added last); every other adds to it.
                                let jobs = shares.indices.map { i in
                                    let first = i == 0 ? bias : nil
                                    return smsr_convolution(
                                        input: shares[i].1 ? r.baseAddress! : UnsafePointer(out.baseAddress!), height: h, width: w,
                                        input_channels: c, dense_inputs: c, used_inputs: c, mask: nil, kernel_size: 1,
                                        weights: wt[i], padded_outputs: weights[i].laneOutputs, bias: first,
                                        output: sum.baseAddress, output_channels: c, computed_outputs: c, cleared_outputs: c,
                                        accumulate: first == nil ? 1 : 0, relu: 0, input_ring_rows: 0, output_ring_rows: 0,
                                        positions: nil, first: 0, count: 0, empty_taps: weights[i].emptyTaps,
                                        bias_last: first == nil ? 0 : 1)
                                }
                                kernels.team.forEachChunk(h, chunksPerThread: 4) { rows in
                                    for y in rows {
                                        FeatureArithmetic.scaleAndAdd(out.baseAddress! + y * w * c, scales: s.baseAddress!,
                                                                      residual: r.baseAddress! + y * w * c, pixels: w, channels: c)
                                        for template in jobs {
                                            var job = template
                                            job.first = y * w
                                            job.count = w
                                            kernels.execute(job)
                                        }
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
