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

    /// Sets `pixels` consecutive pixels of `channels` floats each to `value`: one pixel is written, then copied
    /// in doubling blocks (a copy per pixel costs a call per pixel).
    static func fillPixels(_ row: UnsafeMutablePointer<Float>, pixels: Int, channels c: Int, with value: UnsafePointer<Float>) {
        guard pixels > 0 else { return }
        row.update(from: value, count: c)
        var done = 1
        while done < pixels {
            let n = min(done, pixels - done)
            (row + done * c).update(from: row, count: n * c)
            done += n
        }
    }

    /// `sums[ch] += row[p * channels + ch]` for every pixel p in order, in double precision: the same sums, in
    /// the same order, as `Pooling.globalAverage` takes, eight channels at a time.
    static func addChannelSums(_ row: UnsafePointer<Float>, pixels: Int, channels c: Int, into sums: UnsafeMutablePointer<Double>) {
        var ch = 0
        while ch + 8 <= c {
            var acc = UnsafeRawPointer(sums + ch).loadUnaligned(as: SIMD8<Double>.self)
            var pixel = row + ch
            for _ in 0..<pixels {
                let v = UnsafeRawPointer(pixel).loadUnaligned(as: SIMD8<Float>.self)
                acc += SIMD8<Double>(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3]),
                                     Double(v[4]), Double(v[5]), Double(v[6]), Double(v[7]))
                pixel += c
            }
            UnsafeMutableRawPointer(sums + ch).storeBytes(of: acc, as: SIMD8<Double>.self)
            ch += 8
        }
        while ch < c {
            for p in 0..<pixels { sums[ch] += Double(row[p * c + ch]) }
            ch += 1
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
