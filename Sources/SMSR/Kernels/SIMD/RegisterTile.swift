// This file is compiled into each kernel build (SMSRKernelsAVX512, SMSRKernelsAVX2), not into SMSR itself.

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
            var w = weights + tap * inputChannels * rowStride
            var source = InlineArray<P, UnsafePointer<Float>>(repeating: inputs[tap * P])
            for p in 0..<P { source[p] = inputs[tap * P + p] }
            for ci in 0..<denseInputs {
                accumulateRow(&acc, source, ci, w)
                w += rowStride
            }
            guard usedInputs > denseInputs, sparseTaps[tap] else { continue }
            for p in 0..<P { source[p] = sparseInputs[tap * P + p] }
            for ci in denseInputs..<usedInputs {
                accumulateRow(&acc, source, ci, w)
                w += rowStride
            }
        }
        for p in 0..<P where p < count {
            for v in 0..<NV {
                store(acc[p][v], to: outputs[p] + v * lanes, valid: valid - v * lanes, accumulate: accumulate, relu: relu)
            }
        }
    }

    @inline(__always)
    static func accumulateRow(_ acc: inout InlineArray<P, InlineArray<NV, Vector>>,
                              _ source: InlineArray<P, UnsafePointer<Float>>, _ ci: Int, _ w: UnsafePointer<Float>) {
        let lanes = Vector().scalarCount
        var wv = InlineArray<NV, Vector>(repeating: Vector())
        for v in 0..<NV { wv[v] = UnsafeRawPointer(w + v * lanes).loadUnaligned(as: Vector.self) }
        for p in 0..<P {
            let x = Vector(repeating: source[p][ci])
            for v in 0..<NV { acc[p][v] = acc[p][v].addingProduct(x, wv[v]) }
        }
    }

    @inline(__always)
    static func store(_ value: Vector, to out: UnsafeMutablePointer<Float>, valid: Int, accumulate: Bool, relu: Bool) {
        let lanes = Vector().scalarCount
        if valid >= lanes {
            var x = value
            if accumulate { x += UnsafeRawPointer(out).loadUnaligned(as: Vector.self) }
            if relu { x = x.replacing(with: 0, where: x .< 0) }
            UnsafeMutableRawPointer(out).storeBytes(of: x, as: Vector.self)
        } else if valid > 0 {
            for l in 0..<valid {
                var x = value[l]
                if accumulate { x += out[l] }
                out[l] = relu ? max(x, 0) : x
            }
        }
    }
}
