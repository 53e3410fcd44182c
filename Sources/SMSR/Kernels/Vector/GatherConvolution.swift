// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
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
        // registers: the masked passes took less time than with twelve by two (Benchmarks/engine.md, kernel choices).
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
              // A buffer, not an InlineArray: the array's initializer would be a standard library specialization that
              // both vector builds emit under one name, and the linker would keep one build's copy for both.
              withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: P) { outputBuffer in
                let inputs = table.baseAddress!
                let outputs = outputBuffer.baseAddress!
                outputs.initialize(repeating: j.output, count: P)
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
                                     sparseTaps: sparseTaps.baseAddress!, outputs: outputs, zero: zero)
                    }
                    tiles(inputs: inputs, sparseTaps: UnsafePointer(sparseTaps.baseAddress!),
                          taps: taps, job: j, outputs: UnsafePointer(outputs), count: count, spill: spill)
                    for p in 0..<count { clearOutputs(j, at: outputs[p]) }
                    start += P
                }
              }
            }
        }
    }

    /// The neighbour table for any block: positions anywhere, border taps reading zeros.
    static func gatherSlowly(_ j: smsr_convolution, start: Int, count: Int, inputs: UnsafeMutablePointer<UnsafePointer<Float>>,
                             sparseTaps: UnsafeMutablePointer<Bool>,
                             outputs: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, zero: UnsafePointer<Float>) {
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
                      outputs: UnsafePointer<UnsafeMutablePointer<Float>>, count: Int, spill: UnsafeMutableRawPointer) {
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
            let valid = computed - co
            switch nv {
            case 4:
                RegisterTile<P, 4, FullVector>.compute(
                    inputs: inputs, sparseTaps: sparseTaps, emptyTaps: j.empty_taps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, addend: addend, outputs: outputs, firstOutput: co,
                    count: count, valid: valid, accumulate: acc, relu: relu, spill: spill)
            case 3:
                RegisterTile<P, 3, FullVector>.compute(
                    inputs: inputs, sparseTaps: sparseTaps, emptyTaps: j.empty_taps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, addend: addend, outputs: outputs, firstOutput: co,
                    count: count, valid: valid, accumulate: acc, relu: relu, spill: spill)
            case 2:
                RegisterTile<P, 2, FullVector>.compute(
                    inputs: inputs, sparseTaps: sparseTaps, emptyTaps: j.empty_taps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, addend: addend, outputs: outputs, firstOutput: co,
                    count: count, valid: valid, accumulate: acc, relu: relu, spill: spill)
            default:
                RegisterTile<P, 1, FullVector>.compute(
                    inputs: inputs, sparseTaps: sparseTaps, emptyTaps: j.empty_taps, taps: taps, inputChannels: cin,
                    denseInputs: dense, usedInputs: used, weights: w, rowStride: stride, bias: b, addend: addend, outputs: outputs, firstOutput: co,
                    count: count, valid: valid, accumulate: acc, relu: relu, spill: spill)
            }
            co += nv * lanes
            vectorsLeft -= nv
        }
    }
}
