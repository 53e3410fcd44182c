// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
import SMSRCPU

/// `P` output positions by `NV` vectors of output channels, held in registers while every tap and input
/// channel streams through: per input channel, NV weight vectors are loaded once and each position's input
/// value is broadcast against them (P * NV fused multiply-adds per P + NV loads).
struct RegisterTile<let P: Int, let NV: Int, Vector: SIMD & BitwiseCopyable> where Vector.Scalar == Float {
    /// `inputs[tap * P + p]` points at position p's neighbour for `tap` (channel 0), or at zeros beyond the
    /// border. Sparse inputs are read as stored (0 at unmasked pixels) and skipped at taps where no neighbour of
    /// the block is masked. `weights` points at output channel `co` of row (tap 0, input 0); rows are `rowStride`
    /// apart. Lanes past `valid` are computed but not stored.
    @inline(__always)
    static func compute(inputs: UnsafePointer<UnsafePointer<Float>>,
                        sparseTaps: UnsafePointer<Bool>, emptyTaps: UInt32, taps: Int, inputChannels: Int, denseInputs: Int,
                        usedInputs: Int, weights: UnsafePointer<Float>, rowStride: Int, bias: UnsafePointer<Float>?,
                        addend: UnsafePointer<Float>?,
                        outputs: UnsafePointer<UnsafeMutablePointer<Float>>, firstOutput co: Int, count: Int, valid: Int,
                        accumulate: Bool, relu: Bool, spill raw: UnsafeMutableRawPointer) {
        let lanes = Vector().scalarCount
        var acc = InlineArray<P, InlineArray<NV, Vector>>.zeros
        if let bias {
            var b = InlineArray<NV, Vector>.zeros
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
                var wv = InlineArray<NV, Vector>.zeros
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
                store(spill[p &* NV &+ v], to: outputs[p] + (co &+ v &* lanes), valid: valid - v * lanes, accumulate: accumulate,
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
