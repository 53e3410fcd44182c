// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
import SMSRCPU

/// A sparse mask block's four 1x1 collects over one row as one pass: each block of pixels keeps its outputs in
/// registers from the bias through all four layers' inputs and stores them once, where four separate collects would
/// each load and store the output row. Masked and unmasked pixels go in separate blocks, so that only masked pixels
/// read the layers' sparse inputs (which hold 0 elsewhere). Single-threaded; the engine splits rows across threads.
public enum LayerCollect {
    public static func run(_ job: UnsafePointer<smsr_layer_collect>) {
        let j = job.pointee
        precondition(j.layer_count >= 1 && j.layer_count <= 4, "one to four layers")
        precondition(j.padded_outputs % 16 == 0 && j.channels <= j.padded_outputs, "bad output padding")
        guard j.width > 0, j.channels > 0 else { return }
        CollectBlocks.run(j)
    }
}

/// Walks the row, filling one block of up to `positions` masked pixels and one of unmasked pixels, and runs a block
/// when it is full (the last, partial ones at the end of the row).
enum CollectBlocks {
    /// Six positions by four vectors (AVX-512; two on AVX2) load fewer values per multiply-add than the convolutions'
    /// twelve by two. Masked and unmasked pixels fill separate blocks: a block of neighbouring pixels with one masked
    /// pixel would read every pixel's sparse inputs.
    static var positions: Int { 6 }

    static func run(_ j: smsr_layer_collect) {
        let (width, channels, layers) = (Int(j.width), Int(j.channels), Int(j.layer_count))
        let spill = UnsafeMutableRawPointer.allocate(byteCount: Spill.bytes, alignment: 64)
        defer { spill.deallocate() }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * 6 + 2 * 4) { table in
            // Pixel indices of the pending blocks (unmasked, then masked), and each kind's input limits per layer.
            let pending = table.baseAddress!
            let limits = pending + 2 * 6
            withUnsafeBytes(of: j.dense_inputs) { rawDense in
                let dense = rawDense.bindMemory(to: Int.self)
                for l in 0..<layers {
                    limits[l] = dense[l]
                    limits[4 &+ l] = channels
                }
            }
            var counts = (0, 0)
            for x in 0..<width {
                if j.mask[x] != 0 {
                    pending[6 &+ counts.1] = x
                    counts.1 &+= 1
                    if counts.1 == Self.positions {
                        tiles(j, pixels: pending + 6, count: counts.1, limits: limits + 4, spill: spill)
                        counts.1 = 0
                    }
                } else {
                    pending[counts.0] = x
                    counts.0 &+= 1
                    if counts.0 == Self.positions {
                        tiles(j, pixels: pending, count: counts.0, limits: limits, spill: spill)
                        counts.0 = 0
                    }
                }
            }
            if counts.0 > 0 { tiles(j, pixels: pending, count: counts.0, limits: limits, spill: spill) }
            if counts.1 > 0 { tiles(j, pixels: pending + 6, count: counts.1, limits: limits + 4, spill: spill) }
        }
    }

    /// Every output vector of a block of `count` pixels (1...6); a partial block repeats its last pixel, computed
    /// and not stored.
    @inline(__always)
    static func tiles(_ j: smsr_layer_collect, pixels: UnsafeMutablePointer<Int>, count: Int, limits: UnsafePointer<Int>,
                      spill: UnsafeMutableRawPointer) {
        for p in count..<Self.positions { pixels[p] = pixels[count &- 1] }
        let lanes = FullVector.scalarCount
        let channels = Int(j.channels)
        #if SMSR_WIDE_VECTORS
        let widest = 4
        #else
        let widest = 2
        #endif
        var co = 0
        while co < channels {
            let vectors = min(widest, (channels &- co &+ lanes &- 1) / lanes)
            switch vectors {
            #if SMSR_WIDE_VECTORS
            case 4: CollectTile<6, 4>.compute(j, pixels: pixels, count: count, limits: limits, co: co, spill: spill)
            case 3: CollectTile<6, 3>.compute(j, pixels: pixels, count: count, limits: limits, co: co, spill: spill)
            #endif
            case 2: CollectTile<6, 2>.compute(j, pixels: pixels, count: count, limits: limits, co: co, spill: spill)
            default: CollectTile<6, 1>.compute(j, pixels: pixels, count: count, limits: limits, co: co, spill: spill)
            }
            co &+= vectors &* lanes
        }
    }
}

/// `P` pixels of the row by `NV` output vectors from output `co` on: the bias, then for each layer its inputs
/// 0..<limits[layer] in order, then one store per stored pixel (the first `count`).
struct CollectTile<let P: Int, let NV: Int> {
    @inline(__always)
    static func compute(_ j: smsr_layer_collect, pixels: UnsafePointer<Int>, count: Int, limits: UnsafePointer<Int>,
                        co: Int, spill raw: UnsafeMutableRawPointer) {
        typealias Vector = FullVector
        let lanes = Vector().scalarCount
        let stride = Int(j.padded_outputs)
        let channels = Int(j.channels)
        var acc = InlineArray<P, InlineArray<NV, Vector>>.zeros
        var b = InlineArray<NV, Vector>.zeros
        for v in 0..<NV { b[v] = UnsafeRawPointer(j.bias + (co &+ v &* lanes)).loadUnaligned(as: Vector.self) }
        for p in 0..<P { acc[p] = b }
        withUnsafeBytes(of: j.layers) { rawLayers in
            let rows = rawLayers.bindMemory(to: UnsafePointer<Float>?.self)
            for l in 0..<Int(j.layer_count) {
                let base = rows[l]!
                var source = InlineArray<P, UnsafePointer<Float>>(repeating: base)
                for p in 0..<P { source[p] = base + pixels[p] &* channels }
                var w = j.weights + (l &* channels &* stride &+ co)
                let end = limits[l]
                var ci = 0
                while ci < end {
                    var wv = InlineArray<NV, Vector>.zeros
                    for v in 0..<NV { wv[v] = UnsafeRawPointer(w + v &* lanes).loadUnaligned(as: Vector.self) }
                    for p in 0..<P {
                        let x = Vector(repeating: source[p][ci])
                        for v in 0..<NV { acc[p][v] = acc[p][v].addingProduct(x, wv[v]) }
                    }
                    w += stride
                    ci &+= 1
                }
            }
        }
        // Out of registers through the caller's buffer, as in `RunTile`.
        let spill = raw.assumingMemoryBound(to: Vector.self)
        for p in 0..<P {
            for v in 0..<NV { spill[p &* NV &+ v] = acc[p][v] }
        }
        let valid = channels &- co
        for p in 0..<count {
            for v in 0..<NV {
                RegisterTile<1, 1, Vector>.store(spill[p &* NV &+ v], to: j.output + (pixels[p] &* channels &+ co &+ v &* lanes),
                                                 valid: valid &- v &* lanes, accumulate: false, relu: false)
            }
        }
    }
}
