// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
import SMSRCPU

/// A run of `length` neighbouring pixels of one row, away from the border (for 3x3), on an input of `CIN`
/// channels: each tap's neighbours are one pointer plus compile-time offsets, so the tile can hold more
/// positions than there are general registers, and each weight vector loaded serves more multiply-adds.
/// Sparse inputs are read as stored: the sparse channels of unmasked pixels hold 0 (the unmasked pass of the
/// layer that wrote them clears them), so adding them changes nothing, and a tap none of whose neighbours
/// is masked skips them.
struct RowRun<let CIN: Int> {
    static var length: Int { 12 }
    /// The fewest neighbouring positions worth a run (the rest of its positions are computed for nothing). Since
    /// gathered blocks of 64 outputs run as six positions by four vectors, only whole runs beat them (shorter minimums
    /// timed slower: Benchmarks/engine.md, kernel choices).
    static var shortest: Int { 12 }

    /// Positions `first..<first+count` (count <= length); the run's window `first..<first+length` must lie in
    /// one row (away from the border for 3x3), since all of it is read.
    static func block(_ j: smsr_convolution, first: Int, count: Int, spill: UnsafeMutableRawPointer) {
        let k = Int(j.kernel_size)
        let taps = k &* k
        let radius = k / 2
        let width = Int(j.width)
        let (dense, used) = (Int(j.dense_inputs), Int(j.used_inputs))
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * 9) { table in
            let offsets = table.baseAddress!
            let limits = offsets + 9
            for ky in 0..<k {
                for kx in 0..<k {
                    let tap = ky &* k &+ kx
                    let offset = (ky &- radius) &* width &+ kx &- radius
                    offsets[tap] = offset
                    // A tap reads the sparse inputs only where some neighbour in the run is masked.
                    var sparse = used > dense
                    if sparse, let mask = j.mask {
                        sparse = false
                        let row = mask + (first &+ offset)
                        for p in 0..<count where row[p] != 0 {
                            sparse = true
                            break
                        }
                    }
                    limits[tap] = j.empty_taps & (1 << UInt32(tap)) != 0 ? 0 : (sparse ? used : dense)
                }
            }
            let computed = Int(j.computed_outputs)
            let lanes = FullVector().scalarCount
            var vectorsLeft = (computed &+ lanes &- 1) / lanes
            var co = 0
            while vectorsLeft > 0 {
                if vectorsLeft >= 2 {
                    #if SMSR_WIDE_VECTORS
                    RunTile<12, 2, CIN>.compute(j, first: first, count: count, co: co, offsets: offsets, limits: limits, taps: taps, spill: spill)
                    #else
                    RunTile<6, 2, CIN>.compute(j, first: first, count: min(count, 6), co: co, offsets: offsets, limits: limits, taps: taps, spill: spill)
                    if count > 6 {
                        RunTile<6, 2, CIN>.compute(j, first: first &+ 6, count: count &- 6, co: co, offsets: offsets,
                                                   limits: limits, taps: taps, spill: spill)
                    }
                    #endif
                    co &+= 2 &* lanes
                    vectorsLeft &-= 2
                } else {
                    RunTile<12, 1, CIN>.compute(j, first: first, count: count, co: co, offsets: offsets, limits: limits, taps: taps, spill: spill)
                    co &+= lanes
                    vectorsLeft &-= 1
                }
            }
            if j.cleared_outputs > j.computed_outputs {
                for p in 0..<count {
                    clearOutputs(j, at: PixelAddress.output(j, first) + p &* Int(j.output_channels))
                }
            }
        }
    }
}

/// `P` neighbouring positions by `NV` vectors of output channels from outputs `co` on. For each tap, inputs
/// 0..<limits[tap] stream through in order: the same sums, in the same order, as `RegisterTile`.
struct RunTile<let P: Int, let NV: Int, let CIN: Int> {
    @inline(__always)
    static func compute(_ j: smsr_convolution, first: Int, count: Int, co: Int, offsets: UnsafePointer<Int>,
                        limits: UnsafePointer<Int>, taps: Int, spill raw: UnsafeMutableRawPointer) {
        typealias Vector = FullVector
        let lanes = Vector().scalarCount
        let stride = Int(j.padded_outputs)
        var acc = InlineArray<P, InlineArray<NV, Vector>>.zeros
        if let bias = j.bias, j.bias_last == 0 {
            var b = InlineArray<NV, Vector>.zeros
            for v in 0..<NV { b[v] = UnsafeRawPointer(bias + (co &+ v &* lanes)).loadUnaligned(as: Vector.self) }
            for p in 0..<P { acc[p] = b }
        }
        for tap in 0..<taps {
            let base = PixelAddress.input(j, first &+ offsets[tap])
            var w = j.weights + (tap &* CIN &* stride &+ co)
            let end = limits[tap]
            var ci = 0
            while ci < end {
                var wv = InlineArray<NV, Vector>.zeros
                for v in 0..<NV { wv[v] = UnsafeRawPointer(w + v &* lanes).loadUnaligned(as: Vector.self) }
                for p in 0..<P {
                    let x = Vector(repeating: base[p &* CIN &+ ci])
                    for v in 0..<NV { acc[p][v] = acc[p][v].addingProduct(x, wv[v]) }
                }
                w += stride
                ci &+= 1
            }
        }
        let valid = Int(j.computed_outputs) &- co
        let (accumulate, relu) = (j.accumulate != 0, j.relu != 0)
        let addend = j.bias_last != 0 ? j.bias.map { $0 + co } : nil
        // Out of registers through the caller's buffer, as in `RegisterTile`.
        let spill = raw.assumingMemoryBound(to: Vector.self)
        for p in 0..<P {
            for v in 0..<NV { spill[p &* NV &+ v] = acc[p][v] }
        }
        var out = PixelAddress.output(j, first) + co
        for p in 0..<count {
            for v in 0..<NV {
                RegisterTile<1, 1, Vector>.store(spill[p &* NV &+ v], to: out + (v &* lanes), valid: valid &- v &* lanes,
                                                 accumulate: accumulate, addend: addend.map { $0 + v &* lanes }, relu: relu)
            }
            out += Int(j.output_channels)
        }
    }
}
