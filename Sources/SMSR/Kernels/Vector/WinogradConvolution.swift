// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
import SMSRCPU

/// A dense 3x3 convolution by Winograd's F(m x n, 3x3) (see `smsr_winograd`): per batch of output blocks along a
/// block row, the inputs are transformed, each of the (m+2)(n+2) components is a small matrix product over the inputs
/// (the register tiles of the direct convolution, with the transformed inputs broadcast), and the products are
/// transformed back into output pixels. Single-threaded; the engine splits block rows across threads.
public enum WinogradConvolution {
    public static func run(_ job: UnsafePointer<smsr_winograd>) {
        let j = job.pointee
        precondition(j.input_channels % 16 == 0 && j.input_channels <= ZeroPixel.channels, "bad Winograd inputs")
        precondition(j.padded_outputs % 16 == 0 && j.output_channels <= j.padded_outputs, "bad output padding")
        precondition([2, 4].contains(j.block_height) && [2, 4].contains(j.block_width), "Winograd blocks are 2 or 4 a side")
        guard j.block_rows > 0, j.width > 0, j.height > 0, j.output_channels > 0 else { return }
        switch (j.block_height, j.block_width, j.input_channels) {
        case (2, 2, 64): WinogradBlocks<2, 2, 64>.run(j)
        case (2, 2, 16): WinogradBlocks<2, 2, 16>.run(j)
        case (2, 2, _): WinogradBlocks<2, 2, 0>.run(j)
        case (2, 4, 64): WinogradBlocks<2, 4, 64>.run(j)
        case (2, 4, _): WinogradBlocks<2, 4, 0>.run(j)
        case (4, 2, _): WinogradBlocks<4, 2, 0>.run(j)
        case (_, _, 64): WinogradBlocks<4, 4, 64>.run(j)
        case (_, _, 16): WinogradBlocks<4, 4, 16>.run(j)
        default: WinogradBlocks<4, 4, 0>.run(j)
        }
    }
}

/// Batches of `batch` output blocks of `M` rows by `N` columns of pixels along one block row, on `CIN` input channels
/// (0: any multiple of 16). The transformed inputs `[components][batch][inputs]` and products
/// `[components][batch][padded outputs]` of a batch stay in the caches between its three steps.
struct WinogradBlocks<let M: Int, let N: Int, let CIN: Int> {
    /// The input patch's rows and columns, and the components: (M + 2) x (N + 2), row-major.
    static var patchRows: Int { M &+ 2 }
    static var patchColumns: Int { N &+ 2 }
    static var components: Int { patchRows &* patchColumns }
    /// A multiple of every product tile's block count (12 on AVX-512, 6 on AVX2): 48 output columns.
    static var batch: Int { N == 2 ? 24 : 12 }
    #if SMSR_WIDE_VECTORS
    static var tileBlocks: Int { 12 }
    #else
    static var tileBlocks: Int { 6 }
    #endif

    static func run(_ j: smsr_winograd) {
        let cin = CIN > 0 ? CIN : Int(j.input_channels)
        let pco = Int(j.padded_outputs)
        let blocksAcross = (Int(j.width) &+ N &- 1) / N
        let transformedBytes = components &* batch &* cin &* 4
        let productBytes = components &* batch &* pco &* 4
        // Past the two buffers: one patch's worth of vectors half-way through a transform.
        let halfwayBytes = components &* FullVector.scalarCount &* 4
        // Outputs that end inside a vector: the batch's output rows are put together here (each row one vector longer, which
        // its last pixel's last vector runs into), then written out a vector at a time.
        let partial = Int(j.output_channels) % FullVector.scalarCount != 0
        let stagedBytes = partial ? M &* (N &* batch &* Int(j.output_channels) &+ FullVector.scalarCount) &* 4 : 0
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: transformedBytes &+ productBytes &+ halfwayBytes &+ stagedBytes,
                                                       alignment: 64)
        defer { scratch.deallocate() }
        let transformed = scratch.bindMemory(to: Float.self, capacity: transformedBytes / 4)
        let products = (scratch + transformedBytes).bindMemory(to: Float.self, capacity: productBytes / 4)
        let halfway = (scratch + transformedBytes + productBytes).bindMemory(to: FullVector.self, capacity: components)
        let staged = partial ? (scratch + transformedBytes + productBytes + halfwayBytes).bindMemory(to: Float.self,
                                                                                                    capacity: stagedBytes / 4) : nil
        let lastRow = Int(j.first_block_row &+ j.block_rows) &- 1
        for blockRow in Int(j.first_block_row)...lastRow {
            var first = 0
            while first < blocksAcross {
                let count = min(batch, blocksAcross &- first)
                // Blocks past the row's end read zeros, so the product tiles always run whole.
                let tiled = (count &+ tileBlocks &- 1) / tileBlocks &* tileBlocks
                transformInputs(j, blockRow: blockRow, first: first, count: tiled, into: transformed, halfway: halfway)
                // While the products run, the caches fetch this batch's output pixels and the next batch's input patches.
                var ahead = WinogradLines()
                ahead.addOutputs(j, blockHeight: M, blockWidth: N, blockRow: blockRow, first: first, count: count)
                if first &+ batch < blocksAcross {
                    ahead.addInputs(j, blockHeight: M, blockWidth: N, cin: cin, blockRow: blockRow, first: first &+ batch,
                                    count: min(batch, blocksAcross &- first &- batch))
                } else if blockRow < lastRow {
                    ahead.addInputs(j, blockHeight: M, blockWidth: N, cin: cin, blockRow: blockRow &+ 1, first: 0,
                                    count: min(batch, blocksAcross))
                }
                multiply(j, transformed, count: tiled, into: products, ahead: &ahead)
                transformOutputs(j, blockRow: blockRow, first: first, count: count, products: products, halfway: halfway,
                                 staged: staged)
                first &+= batch
            }
        }
    }

    /// V = B_M^T d B_N for each block's input patch, a vector of input channels at a time: for 2x2 blocks in registers,
    /// for other blocks down the patch's columns into `halfway`, then along its rows into the components.
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
            let (y0, x0) = (M &* blockRow &- 1, N &* (first &+ b) &- 1)
            for r in 0..<patchRows where y0 &+ r >= 0 && y0 &+ r < height {
                for c in 0..<patchColumns where x0 &+ c >= 0 && x0 &+ c < width {
                    pixels[r &* patchColumns &+ c] = j.input + ((y0 &+ r) &* width &+ x0 &+ c) &* cin
                }
            }
            var out = v + b &* cin
            var ci = 0
            if M == 2 && N == 2 {
                while ci < cin {
                    // Sixteen values and their sixteen transforms fit in registers: no halfway buffer.
                    // B^T d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3; then the same along the columns.
                    var d = InlineArray<16, Vector>.zeros
                    for k in 0..<16 { d[k] = UnsafeRawPointer(pixels[k] + ci).loadUnaligned(as: Vector.self) }
                    var s = InlineArray<16, Vector>.zeros
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
                    for c in 0..<patchColumns {
                        var d = InlineArray<6, Vector>.zeros
                        for r in 0..<patchRows {
                            d[r] = UnsafeRawPointer(pixels[r &* patchColumns &+ c] + ci).loadUnaligned(as: Vector.self)
                        }
                        let column = inputTransform(d, blockSize: M)
                        for r in 0..<patchRows { t[r &* patchColumns &+ c] = column[r] }
                    }
                    for r in 0..<patchRows {
                        var d = InlineArray<6, Vector>.zeros
                        for c in 0..<patchColumns { d[c] = t[r &* patchColumns &+ c] }
                        let row = inputTransform(d, blockSize: N)
                        for c in 0..<patchColumns {
                            let component = out + (r &* patchColumns &+ c) &* componentStride
                            UnsafeMutableRawPointer(component).storeBytes(of: row[c], as: Vector.self)
                        }
                    }
                    out += lanes
                    ci &+= lanes
                }
            }
        }
    }

    /// B^T x for one column (or row) of a patch: F(2, 3)'s four sums of x0-x3, or F(4, 3)'s six with the interpolation
    /// points 0, 1, -1, 1/2, -2 and infinity, which round less than 0, 1, -1, 2, -2 (Benchmarks/engine.md, kernel
    /// choices). (2x2 blocks transform in registers, in `transformInputs`.)
    @inline(__always)
    static func inputTransform(_ x: InlineArray<6, FullVector>, blockSize: Int) -> InlineArray<6, FullVector> {
        var y = InlineArray<6, FullVector>.zeros
        if blockSize == 2 {
            y[0] = x[0] - x[2]
            y[1] = x[1] + x[2]
            y[2] = x[2] - x[1]
            y[3] = x[1] - x[3]
            return y
        }
        let half = FullVector(repeating: 0.5)
        let two = FullVector(repeating: 2)
        let oneAndHalf = FullVector(repeating: 1.5)
        let twoAndHalf = FullVector(repeating: 2.5)
        let p = x[3] - x[1]
        let q = x[4] - x[2]
        y[0] = (x[0] + x[4] - two * x[2]) + oneAndHalf * p
        y[1] = (x[4] - x[1] + half * x[2]) + twoAndHalf * x[3]
        y[2] = (x[4] + x[1] - twoAndHalf * x[2]) + half * x[3]
        y[3] = q + two * p
        y[4] = q - half * p
        y[5] = (x[1] + x[5] - two * x[3]) + oneAndHalf * q
        return y
    }

    /// A^T x for one column (or row) of a block's products: F(2, 3)'s x0 + x1 + x2 and x1 - x2 - x3, or F(4, 3)'s four.
    @inline(__always)
    static func outputTransform(_ x: InlineArray<6, FullVector>, blockSize: Int) -> InlineArray<4, FullVector> {
        var y = InlineArray<4, FullVector>.zeros
        if blockSize == 2 {
            y[0] = x[0] + x[1] + x[2]
            y[1] = x[1] - x[2] - x[3]
        } else {
            let a = x[1] + x[2]
            let b = x[1] - x[2]
            y[0] = x[0] + a + (x[3] + x[4])
            y[1] = b + (x[3] * 0.5 - x[4] * 2)
            y[2] = a + (x[3] * 0.25 + x[4] * 4)
            y[3] = b + (x[3] * 0.125 - x[4] * 8) + x[5]
        }
        return y
    }

    /// The products of every component: register tiles of `tileBlocks` blocks by one or two vectors of outputs.
    static func multiply(_ j: smsr_winograd, _ v: UnsafePointer<Float>, count: Int, into m: UnsafeMutablePointer<Float>,
                         ahead: inout WinogradLines) {
        let cin = CIN > 0 ? CIN : Int(j.input_channels)
        let pco = Int(j.padded_outputs)
        // The lines are asked for a few at a time before every 16 inputs of every tile: asked for all at once before each
        // component, they filled the misses the core can have in flight and the products waited on them (Benchmarks/engine.md).
        let lanes = FullVector.scalarCount
        // Output vectors past the last output are padding (to 16 lanes) that nothing reads: on narrower vectors the
        // products stop at the last vector holding an output.
        let needed = min(pco, (Int(j.output_channels) &+ lanes &- 1) / lanes &* lanes)
        let tilesPerComponent = count / tileBlocks &* ((needed / lanes &+ 1) / 2)
        let asks = components &* tilesPerComponent &* (cin / 16)
        let linesPerAsk = (ahead.lines &+ asks &- 1) / asks
        for component in 0..<components {
            let u = j.weights + component &* cin &* pco
            let source = v + component &* batch &* cin
            let target = m + component &* batch &* pco
            var b = 0
            while b < count {
                // One block count per build: a product tile's accumulators must fit the registers.
                #if SMSR_WIDE_VECTORS
                WinogradTiles<12, CIN>.run(source + b &* cin, cin: cin, weights: u, pco: pco, needed: needed,
                                           into: target + b &* pco, ahead: &ahead, lines: linesPerAsk)
                #else
                WinogradTiles<6, CIN>.run(source + b &* cin, cin: cin, weights: u, pco: pco, needed: needed,
                                          into: target + b &* pco, ahead: &ahead, lines: linesPerAsk)
                #endif
                b &+= tileBlocks
            }
        }
    }

    /// Y = A_M^T P A_N, down the columns into `halfway`, then along the rows, plus the bias, into the block's output pixels
    /// inside the image; with `staged`, into the batch's rows there first (see `writeStaged`).
    static func transformOutputs(_ j: smsr_winograd, blockRow: Int, first: Int, count: Int, products m: UnsafePointer<Float>,
                                 halfway t: UnsafeMutablePointer<FullVector>, staged: UnsafeMutablePointer<Float>?) {
        typealias Vector = FullVector
        let lanes = Vector.scalarCount
        let (height, width, outputs) = (Int(j.height), Int(j.width), Int(j.output_channels))
        let pco = Int(j.padded_outputs)
        let componentStride = batch &* pco
        let (accumulate, relu) = (j.accumulate != 0, j.relu != 0)
        let y0 = M &* blockRow
        let rows = min(M, height &- y0)
        let stagedRow = N &* batch &* outputs &+ lanes
        let lastVector = (outputs &- 1) / lanes &* lanes
        for b in 0..<count {
            let x0 = N &* (first &+ b)
            let columns = min(N, width &- x0)
            // Staged, the last vector first: its lanes past the outputs run into the next pixel, written after it.
            var co = staged == nil ? 0 : lastVector
            while co >= 0 && co < outputs {
                let source = m + (b &* pco &+ co)
                for c in 0..<patchColumns {
                    var x = InlineArray<6, Vector>.zeros
                    for r in 0..<patchRows {
                        x[r] = UnsafeRawPointer(source + (r &* patchColumns &+ c) &* componentStride).loadUnaligned(as: Vector.self)
                    }
                    let column = outputTransform(x, blockSize: M)
                    for i in 0..<M { t[i &* patchColumns &+ c] = column[i] }
                }
                let bias = j.bias.map { UnsafeRawPointer($0 + co).loadUnaligned(as: Vector.self) } ?? Vector()
                let valid = outputs &- co
                for i in 0..<rows {
                    var x = InlineArray<6, Vector>.zeros
                    for c in 0..<patchColumns { x[c] = t[i &* patchColumns &+ c] }
                    let row = outputTransform(x, blockSize: N)
                    if let staged {
                        let out = staged + (i &* stagedRow &+ N &* b &* outputs &+ co)
                        for k in 0..<columns {
                            UnsafeMutableRawPointer(out + k &* outputs).storeBytes(of: row[k] + bias, as: Vector.self)
                        }
                        continue
                    }
                    let out = j.output + (((y0 &+ i) &* width &+ x0) &* outputs &+ co)
                    for k in 0..<columns {
                        RegisterTile<1, 1, Vector>.store(row[k] + bias, to: out + k &* outputs, valid: valid,
                                                         accumulate: accumulate, relu: relu)
                    }
                }
                co = staged == nil ? co &+ lanes : co &- lanes
            }
        }
        if let staged {
            let pixels = min(width, N &* (first &+ count)) &- N &* first
            for i in 0..<rows {
                writeStaged(staged + i &* stagedRow, count: pixels &* outputs,
                            to: j.output + ((y0 &+ i) &* width &+ N &* first) &* outputs, accumulate: accumulate, relu: relu)
            }
        }
    }

    /// One staged output row into the map, a vector at a time where the pixels' outputs do not fill whole vectors: the same
    /// sums (staged value, plus the stored one with accumulate, then ReLU) as `RegisterTile.store` makes pixel by pixel.
    static func writeStaged(_ staged: UnsafePointer<Float>, count: Int, to out: UnsafeMutablePointer<Float>, accumulate: Bool,
                            relu: Bool) {
        typealias Vector = FullVector
        let lanes = Vector.scalarCount
        var k = 0
        while k &+ lanes <= count {
            RegisterTile<1, 1, Vector>.store(UnsafeRawPointer(staged + k).loadUnaligned(as: Vector.self), to: out + k,
                                             valid: lanes, accumulate: accumulate, relu: relu)
            k &+= lanes
        }
        if k < count {
            RegisterTile<1, 1, Vector>.store(UnsafeRawPointer(staged + k).loadUnaligned(as: Vector.self), to: out + k,
                                             valid: count &- k, accumulate: accumulate, relu: relu)
        }
    }
}

/// `P` blocks across every output of one component's product, two vectors of outputs at a time (one for an odd last).
struct WinogradTiles<let P: Int, let CIN: Int> {
    @inline(__always)
    static func run(_ v: UnsafePointer<Float>, cin: Int, weights u: UnsafePointer<Float>, pco: Int, needed: Int,
                    into m: UnsafeMutablePointer<Float>, ahead: inout WinogradLines, lines: Int) {
        let lanes = FullVector.scalarCount
        var co = 0
        while co < needed {
            if needed &- co >= 2 &* lanes {
                WinogradTile<P, 2, CIN>.compute(v, cin: cin, weights: u + co, pco: pco, into: m + co, ahead: &ahead, lines: lines)
                co &+= 2 &* lanes
            } else {
                WinogradTile<P, 1, CIN>.compute(v, cin: cin, weights: u + co, pco: pco, into: m + co, ahead: &ahead, lines: lines)
                co &+= lanes
            }
        }
    }
}

/// `P` blocks by `NV` vectors of outputs of one component's product: per input, NV weight vectors and P
/// broadcast transformed inputs give P * NV multiply-adds (the shape of `RunTile`). Before every 16 inputs, `lines` of
/// `ahead` are asked for.
struct WinogradTile<let P: Int, let NV: Int, let CIN: Int> {
    @inline(__always)
    static func compute(_ v: UnsafePointer<Float>, cin runtimeInputs: Int, weights: UnsafePointer<Float>, pco: Int,
                        into m: UnsafeMutablePointer<Float>, ahead: inout WinogradLines, lines: Int) {
        typealias Vector = FullVector
        let lanes = Vector().scalarCount
        let cin = CIN > 0 ? CIN : runtimeInputs
        var acc = InlineArray<P, InlineArray<NV, Vector>>.zeros
        var w = weights
        var ci = 0
        while ci < cin {
            ahead.ask(lines)
            let end = ci &+ 16
            while ci < end {
                var wv = InlineArray<NV, Vector>.zeros
                for k in 0..<NV { wv[k] = UnsafeRawPointer(w + k &* lanes).loadUnaligned(as: Vector.self) }
                for p in 0..<P {
                    let x = Vector(repeating: v[p &* cin &+ ci])
                    for k in 0..<NV { acc[p][k] = acc[p][k].addingProduct(x, wv[k]) }
                }
                w += pco
                ci &+= 1
            }
        }
        for p in 0..<P {
            for k in 0..<NV {
                UnsafeMutableRawPointer(m + (p &* pco &+ k &* lanes)).storeBytes(of: acc[p][k], as: Vector.self)
            }
        }
    }
}

/// Cache lines to ask for ahead of their use, as up to ten spans of bytes (rows of a map), a few at a time.
struct WinogradLines {
    static let lineBytes = 64
    var starts = InlineArray<10, UnsafeRawPointer?>(repeating: nil)
    var ends = InlineArray<10, UnsafeRawPointer?>(repeating: nil)
    var forWrite = InlineArray<10, Bool>(repeating: false)
    var spans = 0
    /// Lines in all spans.
    var lines = 0
    var span = 0
    var next: UnsafeRawPointer?

    mutating func add(_ start: UnsafeRawPointer, bytes: Int, forWrite write: Bool) {
        guard bytes > 0, spans < 10 else { return }
        let first = UnsafeRawPointer(bitPattern: Int(bitPattern: start) & ~(Self.lineBytes &- 1))!
        let end = start + bytes
        starts[spans] = first
        ends[spans] = end
        forWrite[spans] = write
        lines &+= (end - first &+ Self.lineBytes &- 1) / Self.lineBytes
        if spans == 0 { next = first }
        spans &+= 1
    }

    /// The output pixels of `count` blocks of `m` x `n` from block `first` of block row `blockRow`.
    mutating func addOutputs(_ j: smsr_winograd, blockHeight m: Int, blockWidth n: Int, blockRow: Int, first: Int, count: Int) {
        let (height, width, outputs) = (Int(j.height), Int(j.width), Int(j.output_channels))
        let x0 = n &* first
        let pixels = min(width, n &* (first &+ count)) &- x0
        for y in (m &* blockRow)..<min(height, m &* (blockRow &+ 1)) {
            add(UnsafeRawPointer(j.output + (y &* width &+ x0) &* outputs), bytes: pixels &* outputs &* 4, forWrite: true)
        }
    }

    /// The input patches ((`m` + 2) x (`n` + 2), one pixel of border) of `count` blocks from block `first` of block row
    /// `blockRow`.
    mutating func addInputs(_ j: smsr_winograd, blockHeight m: Int, blockWidth n: Int, cin: Int, blockRow: Int, first: Int,
                            count: Int) {
        let (height, width) = (Int(j.height), Int(j.width))
        let x0 = max(0, n &* first &- 1)
        let pixels = min(width, n &* (first &+ count) &+ 1) &- x0
        let y0 = m &* blockRow &- 1
        for y in max(0, y0)..<min(height, y0 &+ m &+ 2) {
            add(UnsafeRawPointer(j.input + (y &* width &+ x0) &* cin), bytes: pixels &* cin &* 4, forWrite: false)
        }
    }

    /// Asks for the next `count` lines.
    @inline(__always)
    mutating func ask(_ count: Int) {
        var left = count
        while left > 0, span < spans, let line = next {
            if forWrite[span] { smsr_prefetch_for_write(line) } else { smsr_prefetch(line) }
            let following = line + Self.lineBytes
            if following < ends[span]! {
                next = following
            } else {
                span &+= 1
                next = span < spans ? starts[span] : nil
            }
            left &-= 1
        }
    }
}
