// This file is compiled into each kernel build (SMSRKernelsAVX512, SMSRKernelsAVX2), not into SMSR itself.
import SMSRCPU

/// The convolution of a list of output positions, gathering each position's 3x3 (or 1x1) neighbourhood
/// through pointers inside the kernel: no im2col buffer, and positions not listed cost nothing.
/// Single-threaded; the engine splits position lists across threads.
public enum GatherConvolution {
    /// Floats per register in this build.
    public static var vectorLanes: Int { FullVector().scalarCount }

    public static func run(_ job: UnsafePointer<smsr_convolution>) {
        let j = job.pointee
        guard j.count > 0, j.computed_outputs > 0 else { return }
        precondition(j.kernel_size == 1 || j.kernel_size == 3, "kernel size must be 1 or 3")
        precondition(j.padded_outputs % 8 == 0 && j.computed_outputs <= j.padded_outputs, "bad output padding")
        precondition(j.dense_inputs <= j.used_inputs && j.used_inputs <= j.input_channels, "bad input ranges")
        #if SMSR_WIDE_VECTORS
        // Six positions x 64 outputs is 24 accumulators of the 32 registers; narrower outputs take more positions.
        if j.computed_outputs > 56 { PositionBlocks<6>.run(j) } else { PositionBlocks<8>.run(j) }
        #else
        // Six positions x 16 outputs is 12 accumulators of AVX2's 16 registers.
        PositionBlocks<6>.run(j)
        #endif
    }
}

/// Walks the positions `P` at a time: builds the neighbour pointer table once per block, then runs register
/// tiles across the output channels.
struct PositionBlocks<let P: Int> {
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
                        tiles(inputs: inputs, sparseInputs: sparseInputs, sparseTaps: UnsafePointer(sparseTaps.baseAddress!),
                              taps: taps, job: j, outputs: outputs, count: count)
                        start += P
                    }
                }
            }
        }
    }

    /// Covers the computed outputs with register tiles, widest first.
    @inline(__always)
    static func tiles(inputs: UnsafePointer<UnsafePointer<Float>>, sparseInputs: UnsafePointer<UnsafePointer<Float>>,
                      sparseTaps: UnsafePointer<Bool>, taps: Int, job j: smsr_convolution,
                      outputs: InlineArray<P, UnsafeMutablePointer<Float>>, count: Int) {
        let computed = Int(j.computed_outputs)
        let lanes = FullVector().scalarCount
        let maxVectors = P == 6 ? 4 : 3
        var fullLeft = (computed + 7) / 8 * 8 / lanes
        var co = 0
        func shifted(_ o: InlineArray<P, UnsafeMutablePointer<Float>>, _ by: Int) -> InlineArray<P, UnsafeMutablePointer<Float>> {
            var r = o
            for p in 0..<P { r[p] = o[p] + by }
            return r
        }
        while fullLeft > 0 {
            let nv = min(fullLeft, maxVectors)
            let w = j.weights + co
            let b = j.bias.map { $0 + co }
            let out = shifted(outputs, co)
            let valid = computed - co
            let (cin, dense, used, stride) = (Int(j.input_channels), Int(j.dense_inputs), Int(j.used_inputs), Int(j.padded_outputs))
            let (acc, relu) = (j.accumulate != 0, j.relu != 0)
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
            fullLeft -= nv
        }
        if co < computed {
            // An odd eight outputs at the end (wide builds only): a half-width tile wastes less than a full one.
            RegisterTile<P, 1, HalfVector>.compute(
                inputs: inputs, sparseInputs: sparseInputs, sparseTaps: sparseTaps, taps: taps,
                inputChannels: Int(j.input_channels), denseInputs: Int(j.dense_inputs), usedInputs: Int(j.used_inputs),
                weights: j.weights + co, rowStride: Int(j.padded_outputs), bias: j.bias.map { $0 + co },
                outputs: shifted(outputs, co), count: count, valid: computed - co,
                accumulate: j.accumulate != 0, relu: j.relu != 0)
        }
    }
}
