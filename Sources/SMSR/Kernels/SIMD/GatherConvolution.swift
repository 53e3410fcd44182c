// This file is compiled into each kernel build (SMSRKernelsAVX512, SMSRKernelsAVX2), not into SMSR itself.
// The position walk and the register tile share this file on purpose: debug builds optimize file by file,
// and the tile is only fast when specialized (value generics, vector type) where it is called.
import SMSRCPU

/// The convolution of a list of output positions, gathering each position's 3x3 (or 1x1) neighbourhood
/// through pointers inside the kernel: no im2col buffer, and positions not listed cost nothing.
/// Single-threaded; the engine splits position lists across threads.
public enum GatherConvolution {
    public static func run(_ job: UnsafePointer<smsr_convolution>) {
        let j = job.pointee
        guard j.count > 0, j.computed_outputs > 0 else { return }
        precondition(j.kernel_size == 1 || j.kernel_size == 3, "kernel size must be 1 or 3")
        precondition(j.padded_outputs % 16 == 0 && j.computed_outputs <= j.padded_outputs, "bad output padding")
        precondition(j.dense_inputs <= j.used_inputs && j.used_inputs <= j.input_channels, "bad input ranges")
        // The register tile, shaped to the output count: up to 24 accumulators of AVX-512's 32 registers (12 of
        // AVX2's 16), and at most 12 positions, whose pointers must stay in general registers.
        let vectors = (Int(j.computed_outputs) + FullVector.scalarCount - 1) / FullVector.scalarCount
        #if SMSR_WIDE_VECTORS
        switch vectors {
        case 1: PositionBlocks<12, 1>.run(j)
        case 2: PositionBlocks<12, 2>.run(j)
        case 3: PositionBlocks<8, 3>.run(j)
        default: PositionBlocks<6, 4>.run(j)
        }
        #else
        if vectors == 1 { PositionBlocks<12, 1>.run(j) } else { PositionBlocks<6, 2>.run(j) }
        #endif
    }
}

/// Walks the positions `P` at a time: builds the neighbour pointer table once per block, then runs register
/// tiles across the output channels.
struct PositionBlocks<let P: Int, let NV: Int> {
    static func run(_ j: smsr_convolution) {
        let k = Int(j.kernel_size)
        let (taps, radius) = (k * k, k / 2)
        let (height, width, cin) = (Int(j.height), Int(j.width), Int(j.input_channels))
        let (denseInputs, usedInputs) = (Int(j.dense_inputs), Int(j.used_inputs))
        let hasSparse = usedInputs > denseInputs
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(cin, 1)) { zeros in
            zeros.initialize(repeating: 0)
            let zero = UnsafePointer(zeros.baseAddress!)
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 2 * taps * P) { table in
                withUnsafeTemporaryAllocation(of: Bool.self, capacity: taps) { sparseTaps in
                    let inputs = table.baseAddress!
                    let sparseInputs = inputs + taps * P
                    var outputs = InlineArray<P, UnsafeMutablePointer<Float>>(repeating: j.output)
                    var start = 0
                    while start < j.count {
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
                            for p in 0..<P { outputs[p] = j.output + (first + p) * j.output_channels }
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let tap = ky * k + kx
                                    let offset = (ky - radius) * width + kx - radius
                                    for p in 0..<P { inputs[tap * P + p] = j.input + (first + p + offset) * cin }
                                    guard hasSparse else { continue }
                                    for p in 0..<P {
                                        let q = first + p + offset
                                        let on = j.mask.map { $0[q] != 0 } ?? true
                                        sparseInputs[tap * P + p] = on ? inputs[tap * P + p] : zero
                                        if on { sparseTaps[tap] = true }
                                    }
                                }
                            }
                        } else {
                            gatherSlowly(j, start: start, count: count, inputs: inputs, sparseInputs: sparseInputs,
                                         sparseTaps: sparseTaps.baseAddress!, outputs: &outputs, zero: zero)
                        }
                        tiles(inputs: inputs, sparseInputs: sparseInputs, sparseTaps: UnsafePointer(sparseTaps.baseAddress!),
                              taps: taps, job: j, outputs: outputs, count: count)
                        start += P
                    }
                }
            }
        }
    }

    /// The neighbour table for any block: positions anywhere, border taps reading zeros.
    static func gatherSlowly(_ j: smsr_convolution, start: Int, count: Int, inputs: UnsafeMutablePointer<UnsafePointer<Float>>,
                             sparseInputs: UnsafeMutablePointer<UnsafePointer<Float>>, sparseTaps: UnsafeMutablePointer<Bool>,
                             outputs: inout InlineArray<P, UnsafeMutablePointer<Float>>, zero: UnsafePointer<Float>) {
        let k = Int(j.kernel_size)
        let radius = k / 2
        let (height, width, cin) = (Int(j.height), Int(j.width), Int(j.input_channels))
        let hasSparse = j.used_inputs > j.dense_inputs
        for p in 0..<P {
            let index = start + min(p, count - 1)
            let pos = j.positions.map { Int($0[index]) } ?? (j.first + index)
            outputs[p] = j.output + pos * j.output_channels
            let y = pos / width
            let x = pos - y * width
            for ky in 0..<k {
                let iy = y + ky - radius
                for kx in 0..<k {
                    let ix = x + kx - radius
                    let slot = (ky * k + kx) * P + p
                    guard iy >= 0, iy < height, ix >= 0, ix < width else {
                        inputs[slot] = zero
                        sparseInputs[slot] = zero
                        continue
                    }
                    let q = iy * width + ix
                    let pixel = j.input + q * cin
                    inputs[slot] = pixel
                    if hasSparse {
                        let on = j.mask.map { $0[q] != 0 } ?? true
                        sparseInputs[slot] = on ? pixel : zero
                        if on { sparseTaps[ky * k + kx] = true }
                    }
                }
            }
        }
    }

    /// Covers the computed outputs with register tiles of up to `NV` vectors (weight rows are padded to whole
    /// vectors, so the last tile may compute lanes it does not store).
    @inline(__always)
    static func tiles(inputs: UnsafePointer<UnsafePointer<Float>>, sparseInputs: UnsafePointer<UnsafePointer<Float>>,
                      sparseTaps: UnsafePointer<Bool>, taps: Int, job j: smsr_convolution,
                      outputs: InlineArray<P, UnsafeMutablePointer<Float>>, count: Int) {
        let computed = Int(j.computed_outputs)
        let lanes = FullVector().scalarCount
        var vectorsLeft = (computed + lanes - 1) / lanes
        var co = 0
        let (cin, dense, used, stride) = (Int(j.input_channels), Int(j.dense_inputs), Int(j.used_inputs), Int(j.padded_outputs))
        let (acc, relu) = (j.accumulate != 0, j.relu != 0)
        while vectorsLeft > 0 {
            let nv = min(vectorsLeft, NV)
            let w = j.weights + co
            let b = j.bias.map { $0 + co }
            var out = outputs
            for p in 0..<P { out[p] = outputs[p] + co }
            let valid = computed - co
            switch nv {
            case 4:
                RegisterTile<P, 4, FullVector>.compute(
                    inputs: inputs, sparseInputs: sparseInputs, sparseTaps: sparseTaps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, outputs: out,
                    count: count, valid: valid, accumulate: acc, relu: relu)
            case 3:
                RegisterTile<P, 3, FullVector>.compute(
                    inputs: inputs, sparseInputs: sparseInputs, sparseTaps: sparseTaps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, outputs: out,
                    count: count, valid: valid, accumulate: acc, relu: relu)
            case 2:
                RegisterTile<P, 2, FullVector>.compute(
                    inputs: inputs, sparseInputs: sparseInputs, sparseTaps: sparseTaps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, outputs: out,
                    count: count, valid: valid, accumulate: acc, relu: relu)
            default:
                RegisterTile<P, 1, FullVector>.compute(
                    inputs: inputs, sparseInputs: sparseInputs, sparseTaps: sparseTaps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, outputs: out,
                    count: count, valid: valid, accumulate: acc, relu: relu)
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
    /// `inputs[tap * P + p]` points at position p's neighbour for `tap` (channel 0); `sparseInputs` likewise,
    /// or at zeros where that neighbour's sparse channels read as 0. `weights` points at output channel `co`
    /// of row (tap 0, input 0); rows are `rowStride` apart. Lanes past `valid` are computed but not stored.
    @inline(__always)
    static func compute(inputs: UnsafePointer<UnsafePointer<Float>>, sparseInputs: UnsafePointer<UnsafePointer<Float>>,
                        sparseTaps: UnsafePointer<Bool>, taps: Int, inputChannels: Int, denseInputs: Int, usedInputs: Int,
                        weights: UnsafePointer<Float>, rowStride: Int, bias: UnsafePointer<Float>?,
                        outputs: InlineArray<P, UnsafeMutablePointer<Float>>, count: Int, valid: Int,
                        accumulate: Bool, relu: Bool) {
        let lanes = Vector().scalarCount
        var acc = InlineArray<P, InlineArray<NV, Vector>>(repeating: InlineArray<NV, Vector>(repeating: Vector()))
        if let bias {
            var b = InlineArray<NV, Vector>(repeating: Vector())
            for v in 0..<NV { b[v] = UnsafeRawPointer(bias + v * lanes).loadUnaligned(as: Vector.self) }
            for p in 0..<P { acc[p] = b }
        }
        for tap in 0..<taps {
            // Two segments per tap: the dense inputs from `inputs`, then the sparse ones from `sparseInputs`
            // (skipped when no position of the block has a masked neighbour there).
            let sparse = usedInputs > denseInputs && sparseTaps[tap]
            for segment in 0..<(sparse ? 2 : 1) {
                let table = segment == 0 ? inputs : sparseInputs
                let (lo, hi) = segment == 0 ? (0, denseInputs) : (denseInputs, usedInputs)
                var source = InlineArray<P, UnsafePointer<Float>>(repeating: table[tap * P])
                for p in 0..<P { source[p] = table[tap * P + p] }
                var w = weights + (tap * inputChannels + lo) * rowStride
                // The accumulators must stay in registers: this loop is written out here, not in a helper
                // taking them inout, which made the compiler keep them in memory.
                for ci in lo..<hi {
                    var wv = InlineArray<NV, Vector>(repeating: Vector())
                    for v in 0..<NV { wv[v] = UnsafeRawPointer(w + v * lanes).loadUnaligned(as: Vector.self) }
                    for p in 0..<P {
                        let x = Vector(repeating: source[p][ci])
                        for v in 0..<NV { acc[p][v] = acc[p][v].addingProduct(x, wv[v]) }
                    }
                    w += rowStride
                }
            }
        }
        // Out of registers through a small buffer: indexing `acc` with a runtime bound in the store loop would
        // make the compiler keep it in memory during the loop above.
        withUnsafeTemporaryAllocation(of: Vector.self, capacity: P * NV) { spill in
            for p in 0..<P {
                for v in 0..<NV { spill[p * NV + v] = acc[p][v] }
            }
            for p in 0..<count {
                for v in 0..<NV {
                    store(spill[p * NV + v], to: outputs[p] + v * lanes, valid: valid - v * lanes, accumulate: accumulate, relu: relu)
                }
            }
        }
    }

    @inline(__always)
    static func store(_ value: Vector, to out: UnsafeMutablePointer<Float>, valid: Int, accumulate: Bool, relu: Bool) {
        let lanes = Vector().scalarCount
        if valid >= lanes {
            var x = value
            if accumulate { x += UnsafeRawPointer(out).loadUnaligned(as: Vector.self) }
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
                out[l] = relu ? max(x, 0) : x
            }
        }
    }
}
