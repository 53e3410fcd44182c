/// Pooling used by the mask generator and channel attention; cheap next to the convolutions.
enum Pooling {
    /// 2x2 average pooling, stride 2; an odd last row or column is dropped (PyTorch's floor mode).
    /// Only the first `channels` channels are pooled (default: all).
    static func average2x2(_ input: FeatureMap, channels: Int? = nil, team: ThreadTeam = .single) -> FeatureMap {
        var output = FeatureMap(height: 0, width: 0, channels: 0)
        average2x2(input, channels: channels, team: team, into: &output)
        return output
    }

    /// `average2x2` into an existing map, keeping its storage when it is large enough (every value is written).
    static func average2x2(_ input: FeatureMap, channels: Int? = nil, team: ThreadTeam = .single, into output: inout FeatureMap) {
        let (h2, w2, stride, w) = (input.height / 2, input.width / 2, input.channels, input.width)
        let c = channels ?? stride
        precondition(c <= stride, "more channels pooled than the map has")
        output.reshapeUninitialized(height: h2, width: w2, channels: c)
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { out in
                team.forEachChunk(h2) { rows in
                    for y in rows {
                        for xx in 0..<w2 {
                            let top = x.baseAddress! + ((2 * y) * w + 2 * xx) * stride
                            let bottom = top + w * stride
                            let o = out.baseAddress! + (y * w2 + xx) * c
                            // Eight channels at a time: the same adds, in the same order, as one at a time.
                            var ch = 0
                            while ch &+ 8 <= c {
                                func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p + ch).loadUnaligned(as: SIMD8<Float>.self) }
                                let sum = load(top) + load(top + stride) + load(bottom) + load(bottom + stride)
                                UnsafeMutableRawPointer(o + ch).storeBytes(of: sum * 0.25, as: SIMD8<Float>.self)
                                ch &+= 8
                            }
                            while ch < c {
                                let sum = top[ch] + top[stride &+ ch] + bottom[ch] + bottom[stride &+ ch]
                                o[ch] = sum * 0.25
                                ch &+= 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// The mean of each channel over all pixels. Rows are summed in double precision, then the row sums in
    /// row order, so the result does not depend on the thread count.
    static func globalAverage(_ map: FeatureMap, team: ThreadTeam = .single) -> [Float] {
        let (h, w, c) = (map.height, map.width, map.channels)
        var rowSums = [Double](repeating: 0, count: h * c)
        if !map.values.isEmpty {
            map.values.withUnsafeBufferPointer { x in
                rowSums.withUnsafeMutableBufferPointer { sums in
                    team.forEachChunk(h, chunksPerThread: 4) { rows in
                        for y in rows {
                            FeatureArithmetic.addChannelSums(x.baseAddress! + y * w * c, pixels: w, channels: c,
                                                             into: sums.baseAddress! + y * c)
                        }
                    }
                }
            }
        }
        var totals = [Double](repeating: 0, count: c)
        for y in 0..<h {
            for ch in 0..<c { totals[ch] += rowSums[y * c + ch] }
        }
        let count = Double(max(h * w, 1))
        return totals.map { Float($0 / count) }
    }
}
