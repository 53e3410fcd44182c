// This file is compiled into each kernel build (SMSRKernelsAVX512, SMSRKernelsAVX2), not into SMSR itself.
// The position walk and the register tile share this file on purpose: debug builds optimize file by file,
// and the tile is only fast when specialized (value generics, vector type) where it is called.
// The fused layer collect shares this file with the convolutions: in a file of its own, it made the compiler stop
// inlining the register tiles' accumulator initializer (in both files), so their sums stayed in memory (half the
// speed).
import SMSRCPU

/// The convolution of a list of output positions, gathering each position's 3x3 (or 1x1) neighbourhood
/// through pointers inside the kernel: no im2col buffer, and positions not listed cost nothing.
/// Single-threaded; the engine splits position lists across threads.
public enum GatherConvolution {
    public static func run(_ job: UnsafePointer<smsr_convolution>) {
        let j = job.pointee
        guard j.count > 0, max(j.computed_outputs, j.cleared_outputs) > 0 else { return }
        precondition(j.kernel_size == 1 || j.kernel_size == 3, "kernel size must be 1 or 3")
        precondition(j.padded_outputs % 16 == 0 && j.computed_outputs <= j.padded_outputs, "bad output padding")
        precondition(j.dense_inputs <= j.used_inputs && j.used_inputs <= j.input_channels, "bad input ranges")
        // The register tile, shaped to the output count: up to 24 accumulators of AVX-512's 32 registers (12 of
        // AVX2's 16), and at most 12 positions, whose pointers must stay in general registers. Channel counts
        // the network uses (64, 16) also get the row-run path, whose pixel stride is a compile-time constant.
        let vectors = (Int(j.computed_outputs) + FullVector.scalarCount - 1) / FullVector.scalarCount
        let cin = Int(j.input_channels)
        // Where register tiles put their sums on the way out (see `RegisterTile`): one allocation per call.
        let spill = UnsafeMutableRawPointer.allocate(byteCount: Spill.bytes, alignment: 64)
        defer { spill.deallocate() }
        #if SMSR_WIDE_VECTORS
        switch (vectors, cin) {
        case (1, 64): PositionBlocks<12, 1, 64>.run(j, spill: spill)
        case (1, 16): PositionBlocks<12, 1, 16>.run(j, spill: spill)
        case (1, _): PositionBlocks<12, 1, 0>.run(j, spill: spill)
        // Three vectors on a 64- or 16-channel input (layer 0's masked pass past whole dense groups) keep the
        // row runs, as a 2-vector and a 1-vector tile.
        case (3, 64): PositionBlocks<12, 2, 64>.run(j, spill: spill)
        case (3, 16): PositionBlocks<12, 2, 16>.run(j, spill: spill)
        case (3, _): PositionBlocks<8, 3, 0>.run(j, spill: spill)
        // Four vectors (64 outputs: every masked pass of the body) gather six positions at a time across all of
        // them, reading each neighbourhood once instead of once per two vectors, with the six position pointers in
        // registers: the masked passes took 8-10% less time than with twelve by two (interleaved, 2026-11-30).
        case (4, 64): PositionBlocks<6, 4, 64>.run(j, spill: spill)
        case (4, 16): PositionBlocks<6, 4, 16>.run(j, spill: spill)
        case (_, 64): PositionBlocks<12, 2, 64>.run(j, spill: spill)
        case (_, 16): PositionBlocks<12, 2, 16>.run(j, spill: spill)
        // The head's RGB input: three channels per tap leave the gathered tiles' per-tap pointer setup as much work as
        // the multiply-adds, where row runs add a fixed offset.
        case (_, 3): PositionBlocks<12, 2, 3>.run(j, spill: spill)
        default: PositionBlocks<12, 2, 0>.run(j, spill: spill)
        }
        #else
        switch (vectors, cin) {
        case (1, 64): PositionBlocks<12, 1, 64>.run(j, spill: spill)
        case (1, 16): PositionBlocks<12, 1, 16>.run(j, spill: spill)
        case (1, _): PositionBlocks<12, 1, 0>.run(j, spill: spill)
        case (_, 64): PositionBlocks<6, 2, 64>.run(j, spill: spill)
        case (_, 16): PositionBlocks<6, 2, 16>.run(j, spill: spill)
        case (_, 3): PositionBlocks<6, 2, 3>.run(j, spill: spill)
        default: PositionBlocks<6, 2, 0>.run(j, spill: spill)
        }
        #endif
    }
}

/// Walks the positions: a run of `RowRun.length` neighbouring pixels of one row (interior ones for 3x3) goes to `RowRun`
/// when the input has `CIN` channels (0: never); any other block of up to `P` positions builds its neighbour
/// pointer table and runs register tiles of `P` positions across the output channels.
struct PositionBlocks<let P: Int, let NV: Int, let CIN: Int> {
    static func run(_ j: smsr_convolution, spill: UnsafeMutableRawPointer) {
        let k = Int(j.kernel_size)
        let (taps, radius) = (k * k, k / 2)
        let (height, width, cin) = (Int(j.height), Int(j.width), Int(j.input_channels))
        let (denseInputs, usedInputs) = (Int(j.dense_inputs), Int(j.used_inputs))
        let hasSparse = usedInputs > denseInputs
        precondition(cin <= ZeroPixel.channels, "too many input channels")
        let zero = ZeroPixel.values
        // Sizes known at compile time and under 1 KiB each: larger or variable temporary allocations go to the heap
        // (a malloc and free per call).
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 9 * P) { table in
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: 9) { sparseTaps in
                let inputs = table.baseAddress!
                var outputs = InlineArray<P, UnsafeMutablePointer<Float>>(repeating: j.output)
                var start = 0
                let runLength = RowRun<CIN>.length
                while start < j.count {
                    if CIN > 0 && cin == CIN {
                        // The neighbouring pixels from here, up to a run's length; a run computes all of its
                        // positions but stores only these, which beats gathering once a few are together.
                        let first = j.positions.map { Int($0[start]) } ?? (j.first &+ start)
                        var n = 1
                        if let positions = j.positions {
                            while n < runLength && start &+ n < j.count && Int(positions[start &+ n]) == first &+ n { n &+= 1 }
                        } else {
                            n = min(runLength, j.count &- start)
                        }
                        let y0 = first / width
                        let x0 = first &- y0 &* width
                        if n >= RowRun<CIN>.shortest
                            && (k == 1 ? x0 &+ runLength <= width
                                : y0 >= 1 && y0 < height &- 1 && x0 >= 1 && x0 &+ runLength <= width &- 1) {
                            RowRun<CIN>.block(j, first: first, count: n, spill: spill)
                            start += n
                            continue
                        }
                    }
                    let count = min(P, j.count - start)
                    for t in 0..<taps { sparseTaps[t] = !hasSparse }
                    let first = j.positions.map { Int($0[start]) } ?? (j.first + start)
                    let last = j.positions.map { Int($0[start + count - 1]) } ?? (j.first + start + count - 1)
                    let y0 = first / width
                    let x0 = first - y0 * width
                    if count == P && last - first == P - 1 && y0 >= radius && y0 < height - radius
                        && x0 >= radius && x0 + P - 1 < width - radius {
                        // A run of P neighbouring pixels inside one row, away from the border (most blocks):
                        // the neighbours are fixed offsets from each position.
                        let out0 = PixelAddress.output(j, first)
                        for p in 0..<P { outputs[p] = out0 + p &* Int(j.output_channels) }
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let tap = ky * k + kx
                                let offset = (ky - radius) * width + kx - radius
                                let in0 = PixelAddress.input(j, first &+ offset)
                                for p in 0..<P { inputs[tap * P + p] = in0 + p &* cin }
                                guard hasSparse, !sparseTaps[tap] else { continue }
                                if let mask = j.mask {
                                    for p in 0..<P where mask[first &+ p &+ offset] != 0 {
                                        sparseTaps[tap] = true
                                        break
                                    }
                                } else {
                                    sparseTaps[tap] = true
                                }
                            }
                        }
                    } else {
                        gatherSlowly(j, start: start, count: count, inputs: inputs,
                                     sparseTaps: sparseTaps.baseAddress!, outputs: &outputs, zero: zero)
                    }
                    tiles(inputs: inputs, sparseTaps: UnsafePointer(sparseTaps.baseAddress!),
                          taps: taps, job: j, outputs: outputs, count: count, spill: spill)
                    for p in 0..<count { clearOutputs(j, at: outputs[p]) }
                    start += P
                }
            }
        }
    }

    /// The neighbour table for any block: positions anywhere, border taps reading zeros.
    static func gatherSlowly(_ j: smsr_convolution, start: Int, count: Int, inputs: UnsafeMutablePointer<UnsafePointer<Float>>,
                             sparseTaps: UnsafeMutablePointer<Bool>,
                             outputs: inout InlineArray<P, UnsafeMutablePointer<Float>>, zero: UnsafePointer<Float>) {
        let k = Int(j.kernel_size)
        let radius = k / 2
        let (height, width, cin) = (Int(j.height), Int(j.width), Int(j.input_channels))
        let hasSparse = j.used_inputs > j.dense_inputs
        for p in 0..<P {
            let index = start + min(p, count - 1)
            let pos = j.positions.map { Int($0[index]) } ?? (j.first + index)
            outputs[p] = PixelAddress.output(j, pos)
            let y = pos / width
            let x = pos - y * width
            for ky in 0..<k {
                let iy = y + ky - radius
                let inside = iy >= 0 && iy < height
                // One address per neighbour row; the row's pixels follow it.
                let row = inside ? PixelAddress.input(j, row: iy) : zero
                for kx in 0..<k {
                    let ix = x + kx - radius
                    let slot = (ky * k + kx) * P + p
                    guard inside, ix >= 0, ix < width else {
                        inputs[slot] = zero
                        continue
                    }
                    let q = iy * width + ix
                    let pixel = row + ix &* cin
                    inputs[slot] = pixel
                    if hasSparse && (j.mask.map { $0[q] != 0 } ?? true) { sparseTaps[ky * k + kx] = true }
                }
            }
        }
    }

    /// Covers the computed outputs with register tiles of up to `NV` vectors (weight rows are padded to whole
    /// vectors, so the last tile may compute lanes it does not store).
    @inline(__always)
    static func tiles(inputs: UnsafePointer<UnsafePointer<Float>>,
                      sparseTaps: UnsafePointer<Bool>, taps: Int, job j: smsr_convolution,
                      outputs: InlineArray<P, UnsafeMutablePointer<Float>>, count: Int, spill: UnsafeMutableRawPointer) {
        let computed = Int(j.computed_outputs)
        let lanes = FullVector().scalarCount
        var vectorsLeft = (computed + lanes - 1) / lanes
        var co = 0
        let (cin, dense, used, stride) = (Int(j.input_channels), Int(j.dense_inputs), Int(j.used_inputs), Int(j.padded_outputs))
        let (acc, relu) = (j.accumulate != 0, j.relu != 0)
        while vectorsLeft > 0 {
            let nv = min(vectorsLeft, NV)
            let w = j.weights + co
            let b = j.bias_last != 0 ? nil : j.bias.map { $0 + co }
            let addend = j.bias_last != 0 ? j.bias.map { $0 + co } : nil
            var out = outputs
            for p in 0..<P { out[p] = outputs[p] + co }
            let valid = computed - co
            switch nv {
            case 4:
                RegisterTile<P, 4, FullVector>.compute(
                    inputs: inputs, sparseTaps: sparseTaps, emptyTaps: j.empty_taps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, addend: addend, outputs: out,
                    count: count, valid: valid, accumulate: acc, relu: relu, spill: spill)
            case 3:
                RegisterTile<P, 3, FullVector>.compute(
                    inputs: inputs, sparseTaps: sparseTaps, emptyTaps: j.empty_taps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, addend: addend, outputs: out,
                    count: count, valid: valid, accumulate: acc, relu: relu, spill: spill)
            case 2:
                RegisterTile<P, 2, FullVector>.compute(
                    inputs: inputs, sparseTaps: sparseTaps, emptyTaps: j.empty_taps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, addend: addend, outputs: out,
                    count: count, valid: valid, accumulate: acc, relu: relu, spill: spill)
            default:
                RegisterTile<P, 1, FullVector>.compute(
                    inputs: inputs, sparseTaps: sparseTaps, emptyTaps: j.empty_taps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, addend: addend, outputs: out,
                    count: count, valid: valid, accumulate: acc, relu: relu, spill: spill)
            }
            co += nv * lanes
            vectorsLeft -= nv
        }
    }
}

/// `P` output positions by `NV` vectors of output channels, held in registers while every tap and input
/// channel streams through: per input channel, NV weight vectors are loaded once and each position's input
/// value is broadcast against them (P * NV fused multiply-adds per P + NV loads).
struct RegisterTile<let P: Int, let NV: Int, Vector: SIMD> where Vector.Scalar == Float {
    /// `inputs[tap * P + p]` points at position p's neighbour for `tap` (channel 0), or at zeros beyond the
    /// border. Sparse inputs are read as stored (0 at unmasked pixels) and skipped at taps where no neighbour of
    /// the block is masked. `weights` points at output channel `co` of row (tap 0, input 0); rows are `rowStride`
    /// apart. Lanes past `valid` are computed but not stored.
    @inline(__always)
    static func compute(inputs: UnsafePointer<UnsafePointer<Float>>,
                        sparseTaps: UnsafePointer<Bool>, emptyTaps: UInt32, taps: Int, inputChannels: Int, denseInputs: Int,
                        usedInputs: Int, weights: UnsafePointer<Float>, rowStride: Int, bias: UnsafePointer<Float>?,
                        addend: UnsafePointer<Float>?,
                        outputs: InlineArray<P, UnsafeMutablePointer<Float>>, count: Int, valid: Int,
                        accumulate: Bool, relu: Bool, spill raw: UnsafeMutableRawPointer) {
        let lanes = Vector().scalarCount
        var acc = InlineArray<P, InlineArray<NV, Vector>>(repeating: InlineArray<NV, Vector>(repeating: Vector()))
        if let bias {
            var b = InlineArray<NV, Vector>(repeating: Vector())
            for v in 0..<NV { b[v] = UnsafeRawPointer(bias + v * lanes).loadUnaligned(as: Vector.self) }
            for p in 0..<P { acc[p] = b }
        }
        for tap in 0..<taps {
            let end = emptyTaps & (1 << UInt32(tap)) != 0 ? 0 : (usedInputs > denseInputs && sparseTaps[tap] ? usedInputs : denseInputs)
            var source = InlineArray<P, UnsafePointer<Float>>(repeating: inputs[tap * P])
            for p in 0..<P { source[p] = inputs[tap * P + p] }
            var w = weights + tap * inputChannels * rowStride
            // The accumulators must stay in registers: this loop is written out here, not in a helper
            // taking them inout, which made the compiler keep them in memory.
            for ci in 0..<end {
                var wv = InlineArray<NV, Vector>(repeating: Vector())
                for v in 0..<NV { wv[v] = UnsafeRawPointer(w + v * lanes).loadUnaligned(as: Vector.self) }
                for p in 0..<P {
                    let x = Vector(repeating: source[p][ci])
                    for v in 0..<NV { acc[p][v] = acc[p][v].addingProduct(x, wv[v]) }
                }
                w += rowStride
            }
        }
        // Out of registers through the caller's buffer: indexing `acc` with a runtime bound in the store loop would
        // make the compiler keep it in memory during the loop above, and so did handing it to a closure (a stack
        // buffer's) or copying it (seen).
        let spill = raw.assumingMemoryBound(to: Vector.self)
        for p in 0..<P {
            for v in 0..<NV { spill[p &* NV &+ v] = acc[p][v] }
        }
        for p in 0..<count {
            for v in 0..<NV {
                store(spill[p &* NV &+ v], to: outputs[p] + v * lanes, valid: valid - v * lanes, accumulate: accumulate,
                      addend: addend.map { $0 + v * lanes }, relu: relu)
            }
        }
    }

    @inline(__always)
    static func store(_ value: Vector, to out: UnsafeMutablePointer<Float>, valid: Int, accumulate: Bool,
                      addend: UnsafePointer<Float>? = nil, relu: Bool) {
        let lanes = Vector().scalarCount
        if valid >= lanes {
            var x = value
            if accumulate { x += UnsafeRawPointer(out).loadUnaligned(as: Vector.self) }
            if let addend { x += UnsafeRawPointer(addend).loadUnaligned(as: Vector.self) }
            UnsafeMutableRawPointer(out).storeBytes(of: x, as: Vector.self)
            // A lane loop over memory: the generic SIMD compare-and-replace compiles to one lane at a time,
            // this to one vector max.
            if relu {
                for l in 0..<lanes { out[l] = max(out[l], 0) }
            }
        } else if valid > 0 {
            for l in 0..<valid {
                var x = value[l]
                if accumulate { x += out[l] }
                if let addend { x += addend[l] }
                out[l] = relu ? max(x, 0) : x
            }
        }
    }
}

/// A run of `length` neighbouring pixels of one row, away from the border (for 3x3), on an input of `CIN`
/// channels: each tap's neighbours are one pointer plus compile-time offsets, so the tile can hold more
/// positions than there are general registers, and each weight vector loaded serves more multiply-adds.
/// Sparse inputs are read as stored: the sparse channels of unmasked pixels hold 0 (the unmasked pass of the
/// layer that wrote them clears them), so adding them changes nothing, and a tap none of whose neighbours
/// is masked skips them.
struct RowRun<let CIN: Int> {
    static var length: Int { 12 }
    /// The fewest neighbouring positions worth a run (the rest of its positions are computed for nothing). Since
    /// gathered blocks of 64 outputs run as six positions by four vectors, only whole runs beat them: with 6, 8, 11
    /// and 12 here the block stage's minimum came out 849 / 792 / 762 ms and 824 / 799 ms (interleaved, one thread).
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
        var acc = InlineArray<P, InlineArray<NV, Vector>>(repeating: InlineArray<NV, Vector>(repeating: Vector()))
        if let bias = j.bias, j.bias_last == 0 {
            var b = InlineArray<NV, Vector>(repeating: Vector())
            for v in 0..<NV { b[v] = UnsafeRawPointer(bias + (co &+ v &* lanes)).loadUnaligned(as: Vector.self) }
            for p in 0..<P { acc[p] = b }
        }
        for tap in 0..<taps {
            let base = PixelAddress.input(j, first &+ offsets[tap])
            var w = j.weights + (tap &* CIN &* stride &+ co)
            let end = limits[tap]
            var ci = 0
            while ci < end {
                var wv = InlineArray<NV, Vector>(repeating: Vector())
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

/// The size of a register tile's sums, the most any tile here holds (24 vectors of 64 bytes).
enum Spill {
    static let bytes = 24 * 64
}

/// A pixel of zeros, read by taps beyond the image border (never written).
enum ZeroPixel {
    static let channels = 1024
    nonisolated(unsafe) static let values: UnsafePointer<Float> = {
        let pixel = UnsafeMutablePointer<Float>.allocate(capacity: channels)
        pixel.initialize(repeating: 0, count: channels)
        return UnsafePointer(pixel)
    }()
}

/// Sets outputs `computed_outputs..<cleared_outputs` of one pixel to 0.
@inline(__always)
private func clearOutputs(_ j: smsr_convolution, at pixel: UnsafeMutablePointer<Float>) {
    var c = Int(j.computed_outputs)
    let end = Int(j.cleared_outputs)
    let lanes = FullVector.scalarCount
    while c &+ lanes <= end {
        UnsafeMutableRawPointer(pixel + c).storeBytes(of: FullVector(), as: FullVector.self)
        c &+= lanes
    }
    while c < end {
        pixel[c] = 0
        c &+= 1
    }
}

/// Where pixel `q` (a row-major index into height x width) lives in a job's input or output: at `q` in a
/// whole map, or in row `y % n` of a ring of n rows, which a row pipeline reuses as it moves down the image.
/// Callers only ask for pixels of one row at consecutive addresses, which both layouts keep contiguous.
enum PixelAddress {
    @inline(__always)
    static func input(_ j: smsr_convolution, _ q: Int) -> UnsafePointer<Float> {
        j.input + offset(q, ring: Int(j.input_ring_rows), width: Int(j.width)) &* Int(j.input_channels)
    }

    /// The first pixel of row y.
    @inline(__always)
    static func input(_ j: smsr_convolution, row y: Int) -> UnsafePointer<Float> {
        let ring = Int(j.input_ring_rows)
        return j.input + (ring > 0 ? y % ring : y) &* Int(j.width) &* Int(j.input_channels)
    }

    @inline(__always)
    static func output(_ j: smsr_convolution, _ q: Int) -> UnsafeMutablePointer<Float> {
        j.output + offset(q, ring: Int(j.output_ring_rows), width: Int(j.width)) &* Int(j.output_channels)
    }

    @inline(__always)
    static func offset(_ q: Int, ring: Int, width: Int) -> Int {
        guard ring > 0 else { return q }
        let y = q / width
        return (y % ring) &* width &+ (q &- y &* width)
    }
}

/// Channel sums of a row in double precision: `sums[ch] += row[p * channels + ch]` for every pixel p in order, as
/// `FeatureArithmetic.addChannelSums` adds them (the same sums in the same order, so the same bits), with up to four
/// vectors of channels per pass over the pixels: each channel's sum waits on its previous add, and one pass keeps
/// eight independent sums going where eight channels at a time kept one.
public enum ChannelSums {
    public static func add(_ row: UnsafePointer<Float>, pixels: Int, channels c: Int, into sums: UnsafeMutablePointer<Double>) {
        let lanes = FullVector.scalarCount
        let half = lanes / 2
        var ch = 0
        while ch &+ 4 &* lanes <= c {
            var acc = InlineArray<8, HalfDoubles>(repeating: HalfDoubles())
            for k in 0..<8 { acc[k] = UnsafeRawPointer(sums + (ch &+ k &* half)).loadUnaligned(as: HalfDoubles.self) }
            var pixel = row + ch
            for _ in 0..<pixels {
                for v in 0..<4 {
                    let x = UnsafeRawPointer(pixel + v &* lanes).loadUnaligned(as: FullVector.self)
                    acc[2 &* v] += HalfDoubles(x.lowHalf)
                    acc[2 &* v &+ 1] += HalfDoubles(x.highHalf)
                }
                pixel += c
            }
            for k in 0..<8 { UnsafeMutableRawPointer(sums + (ch &+ k &* half)).storeBytes(of: acc[k], as: HalfDoubles.self) }
            ch &+= 4 &* lanes
        }
        while ch < c {
            var sum = sums[ch]
            var pixel = row + ch
            for _ in 0..<pixels {
                sum += Double(pixel[0])
                pixel += c
            }
            sums[ch] = sum
            ch &+= 1
        }
    }
}

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
    /// twelve by two. Blocks of neighbouring pixels, masked or not, issued 6.2 G multiply-adds per run of the benchmark
    /// input where 4.2 G are needed (a block with one masked pixel read every pixel's sparse inputs).
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
        var acc = InlineArray<P, InlineArray<NV, Vector>>(repeating: InlineArray<NV, Vector>(repeating: Vector()))
        var b = InlineArray<NV, Vector>(repeating: Vector())
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
                    var wv = InlineArray<NV, Vector>(repeating: Vector())
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

/// A 3x3 convolution's first few outputs over one row from channel-by-channel input rows: each vector holds
/// neighbouring positions of one output, so a layer with one to sixteen dense outputs does not compute a whole
/// 16-lane vector of outputs per position (its unmasked pixels' work was mostly lanes not stored). The sums are
/// the other kernels' sums, in their order. Single-threaded.
public enum PlanarRow {
    public static func run(_ job: UnsafePointer<smsr_planar_row>) {
        let j = job.pointee
        precondition(j.outputs >= 0 && j.outputs <= j.padded_outputs && j.padded_outputs % 16 == 0, "bad output padding")
        precondition(j.inputs <= j.weight_inputs && j.pitch >= j.width + 2 + 64, "bad planar rows")
        guard j.width > 0, j.outputs > 0 else { return }
        let spill = UnsafeMutableRawPointer.allocate(byteCount: Spill.bytes, alignment: 64)
        defer { spill.deallocate() }
        withUnsafeBytes(of: j.planar) { raw in
            let rows = raw.bindMemory(to: UnsafePointer<Float>?.self)
            let planar = (rows[0]!, rows[1]!, rows[2]!)
            #if SMSR_WIDE_VECTORS
            // One tile across all outputs where they fit in 24 accumulators: groups of four left up to three outputs'
            // lanes empty (the official splits give 1, 3, 4, 5, 7 and 9), and short taps pay their loop once.
            // At most four vectors of positions: the planar rows hold 64 zero columns past the row.
            switch j.outputs {
            case 1: PlanarTiles<4, 1>.run(j, planar: planar, spill: spill)
            case 2: PlanarTiles<4, 2>.run(j, planar: planar, spill: spill)
            case 3: PlanarTiles<4, 3>.run(j, planar: planar, spill: spill)
            case 5: PlanarTiles<4, 5>.run(j, planar: planar, spill: spill)
            case 6: PlanarTiles<4, 6>.run(j, planar: planar, spill: spill)
            case 7: PlanarTiles<3, 7>.run(j, planar: planar, spill: spill)
            case 8: PlanarTiles<3, 8>.run(j, planar: planar, spill: spill)
            case 9: PlanarTiles<2, 9>.run(j, planar: planar, spill: spill)
            case 10: PlanarTiles<2, 10>.run(j, planar: planar, spill: spill)
            case 11, 12: PlanarTiles<2, 12>.run(j, planar: planar, spill: spill)
            default: PlanarTiles<4, 4>.run(j, planar: planar, spill: spill)
            }
            #else
            PlanarTiles<3, 4>.run(j, planar: planar, spill: spill)
            #endif
        }
    }
}

/// Walks the row in spans of `XV` vectors of positions, `CO` outputs at a time (weight columns past the outputs
/// are zero padding, so a last partial group reads zeros and is not stored).
struct PlanarTiles<let XV: Int, let CO: Int> {
    static func run(_ j: smsr_planar_row, planar: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                    spill: UnsafeMutableRawPointer) {
        let span = XV * FullVector.scalarCount
        let (width, outputs) = (Int(j.width), Int(j.outputs))
        var x0 = 0
        while x0 < width {
            var co = 0
            while co < outputs {
                PlanarTile<XV, CO>.compute(j, planar: planar, x0: x0, co: co, count: min(span, width &- x0), spill: spill)
                co &+= CO
            }
            x0 &+= span
        }
    }
}

/// `XV` vectors of neighbouring positions by `CO` outputs from `co` on: per tap and input, XV input vectors and
/// CO broadcast weights give XV * CO multiply-adds.
struct PlanarTile<let XV: Int, let CO: Int> {
    @inline(__always)
    static func compute(_ j: smsr_planar_row, planar: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                        x0: Int, co: Int, count: Int, spill raw: UnsafeMutableRawPointer) {
        typealias Vector = FullVector
        let lanes = Vector().scalarCount
        let (pitch, inputs, stride) = (Int(j.pitch), Int(j.inputs), Int(j.padded_outputs))
        var acc = InlineArray<CO, InlineArray<XV, Vector>>(repeating: InlineArray<XV, Vector>(repeating: Vector()))
        for ky in 0..<3 {
            let row = ky == 0 ? planar.0 : (ky == 1 ? planar.1 : planar.2)
            for kx in 0..<3 {
                var w = j.weights + (((ky &* 3 &+ kx) &* Int(j.weight_inputs)) &* stride &+ co)
                var source = row + (x0 &+ kx)
                var ci = 0
                while ci < inputs {
                    var xv = InlineArray<XV, Vector>(repeating: Vector())
                    for v in 0..<XV { xv[v] = UnsafeRawPointer(source + v &* lanes).loadUnaligned(as: Vector.self) }
                    for c in 0..<CO {
                        let weight = Vector(repeating: w[c])
                        for v in 0..<XV { acc[c][v] = acc[c][v].addingProduct(weight, xv[v]) }
                    }
                    w += stride
                    source += pitch
                    ci &+= 1
                }
            }
        }
        // Out of registers through the caller's buffer (see `RegisterTile`), then ReLU and one scalar per output.
        let spill = raw.assumingMemoryBound(to: Float.self)
        for c in 0..<CO {
            for v in 0..<XV {
                UnsafeMutableRawPointer(spill + (c &* XV &+ v) &* lanes).storeBytes(of: acc[c][v], as: Vector.self)
            }
        }
        let stored = min(CO, Int(j.outputs) &- co)
        let channels = Int(j.output_channels)
        for p in 0..<count {
            let out = j.output + ((x0 &+ p) &* channels &+ co)
            for c in 0..<stored { out[c] = max(spill[c &* XV &* lanes &+ p], 0) }
        }
    }
}

/// A dense 3x3 convolution by Winograd's F(m x m, 3x3) (see `smsr_winograd`): per batch of output blocks along a
/// block row, the inputs are transformed, each of the (m+2)^2 components is a small matrix product over the inputs
/// (the register tiles of the direct convolution, with the transformed inputs broadcast), and the products are
/// transformed back into output pixels. Single-threaded; the engine splits block rows across threads.
public enum WinogradConvolution {
    public static func run(_ job: UnsafePointer<smsr_winograd>) {
        let j = job.pointee
        precondition(j.input_channels % 16 == 0 && j.input_channels <= ZeroPixel.channels, "bad Winograd inputs")
        precondition(j.padded_outputs % 16 == 0 && j.output_channels <= j.padded_outputs, "bad output padding")
        precondition(j.block_size == 2 || j.block_size == 4, "Winograd blocks are 2x2 or 4x4")
        guard j.block_rows > 0, j.width > 0, j.height > 0, j.output_channels > 0 else { return }
        switch (j.block_size, j.input_channels) {
        case (2, 64): WinogradBlocks<2, 64>.run(j)
        case (2, 16): WinogradBlocks<2, 16>.run(j)
        case (2, _): WinogradBlocks<2, 0>.run(j)
        case (_, 64): WinogradBlocks<4, 64>.run(j)
        case (_, 16): WinogradBlocks<4, 16>.run(j)
        default: WinogradBlocks<4, 0>.run(j)
        }
    }
}

/// Batches of `batch` output blocks of `M` x `M` pixels along one block row, on `CIN` input channels (0: any multiple
/// of 16). The transformed inputs `[components][batch][inputs]` and products `[components][batch][padded outputs]` of
/// a batch stay in the caches between its three steps.
struct WinogradBlocks<let M: Int, let CIN: Int> {
    static var side: Int { M &+ 2 }
    static var components: Int { side &* side }
    /// A multiple of every product tile's block count (12 on AVX-512, 6 on AVX2): 48 output columns.
    static var batch: Int { M == 2 ? 24 : 12 }
    #if SMSR_WIDE_VECTORS
    static var tileBlocks: Int { 12 }
    #else
    static var tileBlocks: Int { 6 }
    #endif

    static func run(_ j: smsr_winograd) {
        let cin = CIN > 0 ? CIN : Int(j.input_channels)
        let pco = Int(j.padded_outputs)
        let blocksAcross = (Int(j.width) &+ M &- 1) / M
        let transformedBytes = components &* batch &* cin &* 4
        let productBytes = components &* batch &* pco &* 4
        // Past the two buffers: one patch's worth of vectors half-way through a transform.
        let halfwayBytes = components &* FullVector.scalarCount &* 4
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: transformedBytes &+ productBytes &+ halfwayBytes, alignment: 64)
        defer { scratch.deallocate() }
        let transformed = scratch.bindMemory(to: Float.self, capacity: transformedBytes / 4)
        let products = (scratch + transformedBytes).bindMemory(to: Float.self, capacity: productBytes / 4)
        let halfway = (scratch + transformedBytes + productBytes).bindMemory(to: FullVector.self, capacity: components)
        for blockRow in Int(j.first_block_row)..<Int(j.first_block_row &+ j.block_rows) {
            var first = 0
            while first < blocksAcross {
                let count = min(batch, blocksAcross &- first)
                // Blocks past the row's end read zeros, so the product tiles always run whole.
                let tiled = (count &+ tileBlocks &- 1) / tileBlocks &* tileBlocks
                transformInputs(j, blockRow: blockRow, first: first, count: tiled, into: transformed, halfway: halfway)
                multiply(j, transformed, count: tiled, into: products)
                transformOutputs(j, blockRow: blockRow, first: first, count: count, products: products, halfway: halfway)
                first &+= batch
            }
        }
    }

    /// V = B^T d B for each block's input patch, a vector of input channels at a time: for 2x2 blocks in registers, for
    /// 4x4 blocks down the patch's columns into `halfway`, then along its rows into the components.
    static func transformInputs(_ j: smsr_winograd, blockRow: Int, first: Int, count: Int, into v: UnsafeMutablePointer<Float>,
                                halfway t: UnsafeMutablePointer<FullVector>) {
        typealias Vector = FullVector
        let lanes = Vector.scalarCount
        let cin = CIN > 0 ? CIN : Int(j.input_channels)
        let (height, width) = (Int(j.height), Int(j.width))
        let zero = ZeroPixel.values
        let componentStride = batch &* cin
        for b in 0..<count {
            // The patch's pixels, or zeros beyond the border.
            var pixels = InlineArray<36, UnsafePointer<Float>>(repeating: zero)
            let (y0, x0) = (M &* blockRow &- 1, M &* (first &+ b) &- 1)
            for r in 0..<side where y0 &+ r >= 0 && y0 &+ r < height {
                for c in 0..<side where x0 &+ c >= 0 && x0 &+ c < width {
                    pixels[r &* side &+ c] = j.input + ((y0 &+ r) &* width &+ x0 &+ c) &* cin
                }
            }
            var out = v + b &* cin
            var ci = 0
            if M == 2 {
                while ci < cin {
                    // Sixteen values and their sixteen transforms fit in registers: no halfway buffer.
                    // B^T d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3; then the same along the columns.
                    var d = InlineArray<16, Vector>(repeating: Vector())
                    for k in 0..<16 { d[k] = UnsafeRawPointer(pixels[k] + ci).loadUnaligned(as: Vector.self) }
                    var s = InlineArray<16, Vector>(repeating: Vector())
                    for c in 0..<4 {
                        s[c] = d[c] - d[8 &+ c]
                        s[4 &+ c] = d[4 &+ c] + d[8 &+ c]
                        s[8 &+ c] = d[8 &+ c] - d[4 &+ c]
                        s[12 &+ c] = d[4 &+ c] - d[12 &+ c]
                    }
                    for r in 0..<4 {
                        let row = out + (r &* 4) &* componentStride
                        let (s0, s1, s2, s3) = (s[r &* 4], s[r &* 4 &+ 1], s[r &* 4 &+ 2], s[r &* 4 &+ 3])
                        UnsafeMutableRawPointer(row).storeBytes(of: s0 - s2, as: Vector.self)
                        UnsafeMutableRawPointer(row + componentStride).storeBytes(of: s1 + s2, as: Vector.self)
                        UnsafeMutableRawPointer(row + 2 &* componentStride).storeBytes(of: s2 - s1, as: Vector.self)
                        UnsafeMutableRawPointer(row + 3 &* componentStride).storeBytes(of: s1 - s3, as: Vector.self)
                    }
                    out += lanes
                    ci &+= lanes
                }
            } else {
                while ci < cin {
                    for c in 0..<side {
                        var d = InlineArray<6, Vector>(repeating: Vector())
                        for r in 0..<side {
                            d[r] = UnsafeRawPointer(pixels[r &* side &+ c] + ci).loadUnaligned(as: Vector.self)
                        }
                        let column = inputTransform(d)
                        for r in 0..<side { t[r &* side &+ c] = column[r] }
                    }
                    for r in 0..<side {
                        var d = InlineArray<6, Vector>(repeating: Vector())
                        for c in 0..<side { d[c] = t[r &* side &+ c] }
                        let row = inputTransform(d)
                        for c in 0..<side {
                            let component = out + (r &* side &+ c) &* componentStride
                            UnsafeMutableRawPointer(component).storeBytes(of: row[c], as: Vector.self)
                        }
                    }
                    out += lanes
                    ci &+= lanes
                }
            }
        }
    }

    /// F(4, 3)'s B^T x for one column (or row) of a patch: six sums with the interpolation points 0, 1, -1, 2, -2 and
    /// infinity (2x2 blocks transform in registers, in `transformInputs`).
    @inline(__always)
    static func inputTransform(_ x: InlineArray<6, FullVector>) -> InlineArray<6, FullVector> {
        var y = InlineArray<6, FullVector>(repeating: FullVector())
        let four = FullVector(repeating: 4)
        let five = FullVector(repeating: 5)
        let a = x[4] - four * x[2]
        let b = x[3] - four * x[1]
        let c = x[4] - x[2]
        let e = (x[3] - x[1]) * 2
        y[0] = x[4] + four * x[0] - five * x[2]
        y[1] = a + b
        y[2] = a - b
        y[3] = c + e
        y[4] = c - e
        y[5] = x[5] + four * x[1] - five * x[3]
        return y
    }

    /// A^T x for one column (or row) of a block's products: F(2, 3)'s x0 + x1 + x2 and x1 - x2 - x3, or F(4, 3)'s four.
    @inline(__always)
    static func outputTransform(_ x: InlineArray<6, FullVector>) -> InlineArray<4, FullVector> {
        var y = InlineArray<4, FullVector>(repeating: FullVector())
        if M == 2 {
            y[0] = x[0] + x[1] + x[2]
            y[1] = x[1] - x[2] - x[3]
        } else {
            let a = x[1] + x[2]
            let b = x[1] - x[2]
            let c = x[3] + x[4]
            let e = x[3] - x[4]
            y[0] = x[0] + a + c
            y[1] = b + e * 2
            y[2] = a + c * 4
            y[3] = b + e * 8 + x[5]
        }
        return y
    }

    /// The products of every component: register tiles of `tileBlocks` blocks by one or two vectors of outputs.
    static func multiply(_ j: smsr_winograd, _ v: UnsafePointer<Float>, count: Int, into m: UnsafeMutablePointer<Float>) {
        let cin = CIN > 0 ? CIN : Int(j.input_channels)
        let pco = Int(j.padded_outputs)
        for component in 0..<components {
            let u = j.weights + component &* cin &* pco
            let source = v + component &* batch &* cin
            let target = m + component &* batch &* pco
            var b = 0
            while b < count {
                // One block count per build: a product tile's accumulators must fit the registers.
                #if SMSR_WIDE_VECTORS
                WinogradTiles<12, CIN>.run(source + b &* cin, cin: cin, weights: u, pco: pco, into: target + b &* pco)
                #else
                WinogradTiles<6, CIN>.run(source + b &* cin, cin: cin, weights: u, pco: pco, into: target + b &* pco)
                #endif
                b &+= tileBlocks
            }
        }
    }

    /// Y = A^T M A, down the columns into `halfway`, then along the rows, plus the bias, into the block's output pixels
    /// inside the image.
    static func transformOutputs(_ j: smsr_winograd, blockRow: Int, first: Int, count: Int, products m: UnsafePointer<Float>,
                                 halfway t: UnsafeMutablePointer<FullVector>) {
        typealias Vector = FullVector
        let lanes = Vector.scalarCount
        let (height, width, outputs) = (Int(j.height), Int(j.width), Int(j.output_channels))
        let pco = Int(j.padded_outputs)
        let componentStride = batch &* pco
        let (accumulate, relu) = (j.accumulate != 0, j.relu != 0)
        let y0 = M &* blockRow
        let rows = min(M, height &- y0)
        for b in 0..<count {
            let x0 = M &* (first &+ b)
            let columns = min(M, width &- x0)
            var co = 0
            while co < outputs {
                let source = m + (b &* pco &+ co)
                for c in 0..<side {
                    var x = InlineArray<6, Vector>(repeating: Vector())
                    for r in 0..<side {
                        x[r] = UnsafeRawPointer(source + (r &* side &+ c) &* componentStride).loadUnaligned(as: Vector.self)
                    }
                    let column = outputTransform(x)
                    for i in 0..<M { t[i &* side &+ c] = column[i] }
                }
                let bias = j.bias.map { UnsafeRawPointer($0 + co).loadUnaligned(as: Vector.self) } ?? Vector()
                let valid = outputs &- co
                for i in 0..<rows {
                    var x = InlineArray<6, Vector>(repeating: Vector())
                    for c in 0..<side { x[c] = t[i &* side &+ c] }
                    let row = outputTransform(x)
                    let out = j.output + (((y0 &+ i) &* width &+ x0) &* outputs &+ co)
                    for k in 0..<columns {
                        RegisterTile<1, 1, Vector>.store(row[k] + bias, to: out + k &* outputs, valid: valid,
                                                         accumulate: accumulate, relu: relu)
                    }
                }
                co &+= lanes
            }
        }
    }
}

/// `P` blocks across every output of one component's product, two vectors of outputs at a time (one for an odd last).
struct WinogradTiles<let P: Int, let CIN: Int> {
    @inline(__always)
    static func run(_ v: UnsafePointer<Float>, cin: Int, weights u: UnsafePointer<Float>, pco: Int, into m: UnsafeMutablePointer<Float>) {
        let lanes = FullVector.scalarCount
        var co = 0
        while co < pco {
            if pco &- co >= 2 &* lanes {
                WinogradTile<P, 2, CIN>.compute(v, cin: cin, weights: u + co, pco: pco, into: m + co)
                co &+= 2 &* lanes
            } else {
                WinogradTile<P, 1, CIN>.compute(v, cin: cin, weights: u + co, pco: pco, into: m + co)
                co &+= lanes
            }
        }
    }
}

/// `P` blocks by `NV` vectors of outputs of one component's product: per input, NV weight vectors and P
/// broadcast transformed inputs give P * NV multiply-adds (the shape of `RunTile`).
struct WinogradTile<let P: Int, let NV: Int, let CIN: Int> {
    @inline(__always)
    static func compute(_ v: UnsafePointer<Float>, cin runtimeInputs: Int, weights: UnsafePointer<Float>, pco: Int,
                        into m: UnsafeMutablePointer<Float>) {
        typealias Vector = FullVector
        let lanes = Vector().scalarCount
        let cin = CIN > 0 ? CIN : runtimeInputs
        var acc = InlineArray<P, InlineArray<NV, Vector>>(repeating: InlineArray<NV, Vector>(repeating: Vector()))
        var w = weights
        var ci = 0
        while ci < cin {
            var wv = InlineArray<NV, Vector>(repeating: Vector())
            for k in 0..<NV { wv[k] = UnsafeRawPointer(w + k &* lanes).loadUnaligned(as: Vector.self) }
            for p in 0..<P {
                let x = Vector(repeating: v[p &* cin &+ ci])
                for k in 0..<NV { acc[p][k] = acc[p][k].addingProduct(x, wv[k]) }
            }
            w += pco
            ci &+= 1
        }
        for p in 0..<P {
            for k in 0..<NV {
                UnsafeMutableRawPointer(m + (p &* pco &+ k &* lanes)).storeBytes(of: acc[p][k], as: Vector.self)
            }
        }
    }
}
