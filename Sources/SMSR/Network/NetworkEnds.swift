/// The network's two ends around the features: the mean shift in, and the output assembled from the tail, the
/// bicubic skip and the mean.
extension SMSRNetwork {
    /// Mean shift (a 1x1 conv 3->3 with bias): kept planar for the bicubic skip, and written channels-last for the head.
    func shiftMean(_ input: [Float], height: Int, width: Int, team: ThreadTeam) -> (planar: [Float], pixels: FeatureMap) {
        let plane = height * width
        var shifted = [Float](repeating: 0, count: 3 * plane)
        var x0 = FeatureMap(uninitializedHeight: height, width: width, channels: 3)
        let (shiftWeight, shiftBias) = (meanShiftIn.weight, meanShiftIn.bias)
        input.withUnsafeBufferPointer { rgb in
            shifted.withUnsafeMutableBufferPointer { planar in
                x0.values.withUnsafeMutableBufferPointer { pixels in
                    team.forEachChunk(plane) { range in
                        for p in range {
                            for o in 0..<3 {
                                var v = shiftBias[o]
                                for i in 0..<3 { v += shiftWeight[o * 3 + i] * rgb[i * plane + p] }
                                planar[o * plane + p] = v
                                pixels[p * 3 + o] = v
                            }
                        }
                    }
                }
            }
        }
        return (shifted, x0)
    }

    /// Pixel shuffle of the tail output, plus the bicubic skip of the shifted input, plus the mean: one pass over the
    /// output rows, each row's skip interpolated just before it is used.
    func assembleOutput(tail t: FeatureMap, shifted: [Float], height: Int, width: Int, team: ThreadTeam,
                                trace: inout InferenceTrace?) -> [Float] {
        let s = scale
        let (oh, ow) = (height * s, width * s)
        let (plane, outPlane) = (height * width, oh * ow)
        if trace != nil {
            trace?.bicubicSkip = (0..<3).flatMap { c in
                bicubic.upsample(Array(shifted[(c * plane)..<((c + 1) * plane)]), height: height, width: width, team: team)
            }
        }
        // The skip's first pass (each input row widened), three planes one after another. Fresh storage: kept storage
        // large enough is that of a whole map, which this would shrink, and the next run would fill in again.
        var widened = FeatureMap(uninitializedHeight: height, width: ow, channels: 3)
        shifted.withUnsafeBufferPointer { source in
            widened.values.withUnsafeMutableBufferPointer { rows in
                for c in 0..<3 {
                    bicubic.widenRows(source.baseAddress! + c * plane, height: height, width: width,
                                      into: rows.baseAddress! + c * height * ow, team: team)
                }
            }
        }
        let rowTaps = bicubic.taps(oh, height)
        // add_mean is a 1x1 conv 3->3 with bias applied to (shuffled + skip), where the shuffled value at
        // (c, s*y + i, s*x + j) is tail channel c*s*s + s*i + j at (y, x).
        let (weight, bias, tc) = (meanShiftOut.weight, meanShiftOut.bias, t.channels)
        let output = [Float](unsafeUninitializedCapacity: 3 * outPlane) { out, written in
            t.values.withUnsafeBufferPointer { tv in
                widened.values.withUnsafeBufferPointer { rows in
                    nonisolated(unsafe) let out = out
                    team.forEachChunk(oh) { outputRows in
                        let skip = UnsafeMutablePointer<Float>.allocate(capacity: 3 * ow)
                        defer { skip.deallocate() }
                        var sum = (Float(0), Float(0), Float(0))
                        for oy in outputRows {
                            for c in 0..<3 {
                                bicubic.interpolateRow(oy, taps: rowTaps, rows: rows.baseAddress! + c * height * ow, width: ow,
                                                       into: skip + c * ow)
                            }
                            let (y, i) = (oy / s, oy % s)
                            for ox in 0..<ow {
                                let (x, j) = (ox / s, ox % s)
                                let p = oy * ow + ox
                                let base = (y * width + x) * tc + s * i + j
                                sum.0 = tv[base] + skip[ox]
                                sum.1 = tv[base + s * s] + skip[ow + ox]
                                sum.2 = tv[base + 2 * s * s] + skip[2 * ow + ox]
                                for o in 0..<3 {
                                    var v = bias[o]
                                    v += weight[o * 3] * sum.0
                                    v += weight[o * 3 + 1] * sum.1
                                    v += weight[o * 3 + 2] * sum.2
                                    out[o * outPlane + p] = v
                                }
                            }
                        }
                    }
                }
            }
            written = 3 * outPlane
        }
        return output
    }
}
