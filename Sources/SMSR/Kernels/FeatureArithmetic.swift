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
        guard c > 0 else { return }
        map.values.withUnsafeMutableBufferPointer { out in
            values.withUnsafeBufferPointer { v in
                team.forEachChunk(height * width, chunksPerThread: 4) { pixels in
                    fillPixels(out.baseAddress! + pixels.lowerBound * c, pixels: pixels.count, channels: c, with: v.baseAddress!)
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

    /// `sums[ch] += row[p * channels + ch]` for every pixel p in order, in double precision, eight channels at a
    /// time. `Pooling.globalAverage` and the row pipeline both sum rows through it, so their means agree.
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
        guard c > 0 && !u.values.isEmpty else { return }
        u.values.withUnsafeMutableBufferPointer { out in
            residual.values.withUnsafeBufferPointer { r in
                scales.withUnsafeBufferPointer { s in
                    forEachRowRange(shape, team: team) { range in
                        scaleAndAdd(out.baseAddress! + range.lowerBound, scales: s.baseAddress!, residual: r.baseAddress! + range.lowerBound,
                                    pixels: range.count / c, channels: c)
                    }
                }
            }
        }
    }

    /// `out = out * scales[channel] + residual` over whole pixels, eight channels at a time (the same products and
    /// sums as one at a time: a multiply, then an add).
    static func scaleAndAdd(_ out: UnsafeMutablePointer<Float>, scales: UnsafePointer<Float>,
                            residual: UnsafePointer<Float>, pixels: Int, channels c: Int) {
        let vectors = c / 8
        for p in 0..<pixels {
            let (o, r) = (UnsafeMutableRawPointer(out + p &* c), UnsafeRawPointer(residual + p &* c))
            for v in 0..<vectors {
                let offset = v &* 32
                let x = o.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                let scale = UnsafeRawPointer(scales).loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                let y = x * scale + r.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                o.storeBytes(of: y, toByteOffset: offset, as: SIMD8<Float>.self)
            }
            for ch in (vectors &* 8)..<c { out[p &* c &+ ch] = out[p &* c &+ ch] * scales[ch] + residual[p &* c &+ ch] }
        }
    }

    /// `a = relu(a)` or `a += b`, element-wise.
    static func relu(_ a: inout FeatureMap, team: ThreadTeam) {
        let shape = a
        guard !a.values.isEmpty else { return }
        a.values.withUnsafeMutableBufferPointer { out in
            forEachRowRange(shape, team: team) { range in
                relu(out.baseAddress! + range.lowerBound, count: range.count)
            }
        }
    }

    /// `x = max(x, 0)` (the same select as `Swift.max`), written so the compiler vectorizes it.
    static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            x[i] = 0 >= v ? 0 : v
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
