/// The network's element-wise steps over whole feature maps, split by rows across a thread team. They are
/// memory-bound, so plain loops over contiguous pixels are enough.
enum FeatureArithmetic {
    /// Rows of `rowLength` floats per chunk boundary, so every thread streams contiguous memory.
    static func forEachRowRange(_ map: FeatureMap, team: ThreadTeam, _ body: (Range<Int>) -> Void) {
        team.forEachChunk(map.height, chunksPerThread: 4) { rows in
            body((rows.lowerBound * map.width * map.channels)..<(rows.upperBound * map.width * map.channels))
        }
    }

    /// A map whose every pixel holds `values` (one per channel).
    static func filled(height: Int, width: Int, with values: [Float], team: ThreadTeam) -> FeatureMap {
        var map = FeatureMap(height: 0, width: 0, channels: 0)
        fill(&map, height: height, width: width, with: values, team: team)
        return map
    }

    /// Sets every pixel of `map` to `values`, reusing its storage when the shape already fits.
    static func fill(_ map: inout FeatureMap, height: Int, width: Int, with values: [Float], team: ThreadTeam) {
        let c = values.count
        if map.height != height || map.width != width || map.channels != c {
            map = FeatureMap(uninitializedHeight: height, width: width, channels: c)
        }
        map.values.withUnsafeMutableBufferPointer { out in
            values.withUnsafeBufferPointer { v in
                team.forEachChunk(height * width, chunksPerThread: 4) { pixels in
                    for p in pixels {
                        for ch in 0..<c { out[p * c + ch] = v[ch] }
                    }
                }
            }
        }
    }

    /// `u = u * scales[channel] + residual`: channel attention applied, plus the block's skip connection.
    static func scaleAndAdd(_ u: inout FeatureMap, scales: [Float], residual: FeatureMap, team: ThreadTeam) {
        precondition(u.values.count == residual.values.count && scales.count == u.channels, "shape mismatch")
        let c = u.channels
        let shape = u
        u.values.withUnsafeMutableBufferPointer { out in
            residual.values.withUnsafeBufferPointer { r in
                scales.withUnsafeBufferPointer { s in
                    forEachRowRange(shape, team: team) { range in
                        var i = range.lowerBound
                        while i < range.upperBound {
                            for ch in 0..<c { out[i + ch] = out[i + ch] * s[ch] + r[i + ch] }
                            i += c
                        }
                    }
                }
            }
        }
    }

    /// `a = relu(a)` or `a += b`, element-wise.
    static func relu(_ a: inout FeatureMap, team: ThreadTeam) {
        let shape = a
        a.values.withUnsafeMutableBufferPointer { out in
            forEachRowRange(shape, team: team) { range in
                for i in range { out[i] = max(out[i], 0) }
            }
        }
    }

    static func add(_ b: FeatureMap, to a: inout FeatureMap, team: ThreadTeam) {
        precondition(a.values.count == b.values.count, "shape mismatch")
        let shape = a
        a.values.withUnsafeMutableBufferPointer { out in
            b.values.withUnsafeBufferPointer { x in
                forEachRowRange(shape, team: team) { range in
                    for i in range { out[i] += x[i] }
                }
            }
        }
    }
}
