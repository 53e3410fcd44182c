// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
import SMSRCPU

/// A sparse layer's masked pass with neighbouring masked pixels of a row in pairs, by Winograd's F(2, 3) along the row
/// (see `smsr_row_pairs`); the other positions go to `GatherConvolution`. Per batch of pairs the inputs are transformed
/// into `[component][pair][kernel row, input]`, each component is a product over the 3 x inputs values (the Winograd
/// tiles), and the products are transformed back into the pair's two output pixels. Single-threaded.
public enum RowPairWinograd {
    public static func run(_ job: UnsafePointer<smsr_row_pairs>) {
        let pairs = job.pointee
        let j = pairs.convolution.pointee
        guard j.count > 0, max(j.computed_outputs, j.cleared_outputs) > 0 else { return }
        precondition(j.kernel_size == 3 && j.bias == nil && j.accumulate == 0 && j.empty_taps == 0
                     && j.used_inputs == j.input_channels && j.input_channels % 16 == 0 && j.input_channels <= 256,
                     "row pairs take a 3x3 masked pass without bias on whole vectors of inputs")
        precondition(j.padded_outputs % 16 == 0 && j.computed_outputs <= j.padded_outputs, "bad output padding")
        switch j.input_channels {
        case 64: RowPairs<64>.run(j, weights: pairs.weights)
        default: RowPairs<0>.run(j, weights: pairs.weights)
        }
    }
}

/// Pairs of positions on `CIN` input channels (0: any multiple of 16).
struct RowPairs<let CIN: Int> {
    /// Pairs per batch: a multiple of the product tile's block count.
    static var batch: Int { 24 }
    #if SMSR_WIDE_VECTORS
    static var tileBlocks: Int { 12 }
    #else
    static var tileBlocks: Int { 6 }
    #endif

    static func run(_ j: smsr_convolution, weights u: UnsafePointer<Float>) {
        let cin = CIN > 0 ? CIN : Int(j.input_channels)
        let depth = 3 &* cin
        let pco = Int(j.padded_outputs)
        let (height, width) = (Int(j.height), Int(j.width))
        let count = Int(j.count)
        let transformedCount = 4 &* batch &* depth
        let productCount = 4 &* batch &* pco
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: transformedCount &+ productCount)
        defer { scratch.deallocate() }
        let transformed = scratch
        let products = scratch + transformedCount
        let rest = UnsafeMutablePointer<Int32>.allocate(capacity: count)
        defer { rest.deallocate() }
        var first = InlineArray<24, Int>.zeros
        var pairCount = 0
        var restCount = 0
        var i = 0
        while i < count {
            let q = j.positions.map { Int($0[i]) } ?? (Int(j.first) &+ i)
            let next = i &+ 1 < count ? (j.positions.map { Int($0[i &+ 1]) } ?? (q &+ 1)) : -1
            let y = q / width
            let x = q &- y &* width
            if next == q &+ 1 && y >= 1 && y < height &- 1 && x >= 1 && x &+ 2 < width {
                first[pairCount] = q
                pairCount &+= 1
                i &+= 2
                if pairCount == batch {
                    compute(j, first: first, count: pairCount, weights: u, transformed: transformed, products: products)
                    pairCount = 0
                }
            } else {
                rest[restCount] = Int32(q)
                restCount &+= 1
                i &+= 1
            }
        }
        if pairCount > 0 {
            compute(j, first: first, count: pairCount, weights: u, transformed: transformed, products: products)
        }
        guard restCount > 0 else { return }
        var others = j
        others.positions = UnsafePointer(rest)
        others.first = 0
        others.count = restCount
        withUnsafePointer(to: others) { GatherConvolution.run($0) }
    }

    /// Pairs starting at positions `first[0..<count]`.
    static func compute(_ j: smsr_convolution, first: InlineArray<24, Int>, count: Int, weights u: UnsafePointer<Float>,
                        transformed v: UnsafeMutablePointer<Float>, products m: UnsafeMutablePointer<Float>) {
        typealias Vector = FullVector
        let lanes = Vector.scalarCount
        let cin = CIN > 0 ? CIN : Int(j.input_channels)
        let depth = 3 &* cin
        let pco = Int(j.padded_outputs)
        let width = Int(j.width)
        let componentStride = batch &* depth
        for b in 0..<count {
            let q = first[b]
            let y = q / width
            let x = q &- y &* width
            for ky in 0..<3 {
                let row = PixelAddress.input(j, row: y &+ ky &- 1) + (x &- 1) &* cin
                var out = v + (b &* depth &+ ky &* cin)
                var ci = 0
                while ci < cin {
                    let d0 = UnsafeRawPointer(row + ci).loadUnaligned(as: Vector.self)
                    let d1 = UnsafeRawPointer(row + (cin &+ ci)).loadUnaligned(as: Vector.self)
                    let d2 = UnsafeRawPointer(row + (2 &* cin &+ ci)).loadUnaligned(as: Vector.self)
                    let d3 = UnsafeRawPointer(row + (3 &* cin &+ ci)).loadUnaligned(as: Vector.self)
                    UnsafeMutableRawPointer(out).storeBytes(of: d0 - d2, as: Vector.self)
                    UnsafeMutableRawPointer(out + componentStride).storeBytes(of: d1 + d2, as: Vector.self)
                    UnsafeMutableRawPointer(out + 2 &* componentStride).storeBytes(of: d2 - d1, as: Vector.self)
                    UnsafeMutableRawPointer(out + 3 &* componentStride).storeBytes(of: d1 - d3, as: Vector.self)
                    out += lanes
                    ci &+= lanes
                }
            }
        }
        // The product tiles run whole: the pairs past `count` read zeros.
        let tiled = (count &+ tileBlocks &- 1) / tileBlocks &* tileBlocks
        if tiled > count {
            for k in 0..<4 { (v + (k &* componentStride &+ count &* depth)).update(repeating: 0, count: (tiled &- count) &* depth) }
        }
        let computed = Int(j.computed_outputs)
        let tapStride = cin &* pco
        for k in 0..<4 {
            let source = v + k &* componentStride
            let target = m + k &* batch &* pco
            // U0 and U3 are the taps kx = 0 and kx = 2 themselves: read from the layer's weights, a kernel row apart
            // of three taps; U1 and U2 from the pairs' weights, a kernel row apart of one.
            let (weights, rowStride): (UnsafePointer<Float>, Int) = switch k {
            case 0: (j.weights, 3 &* tapStride)
            case 3: (j.weights + 2 &* tapStride, 3 &* tapStride)
            default: (u + (k &- 1) &* 3 &* tapStride, tapStride)
            }
            var b = 0
            while b < tiled {
                var co = 0
                while co < computed {
                    #if SMSR_WIDE_VECTORS
                    if computed &- co > lanes {
                        RowPairTile<12, 2, CIN>.compute(source + b &* depth, cin: cin, weights: weights + co, rowStride: rowStride,
                                                        pco: pco, into: target + (b &* pco &+ co))
                        co &+= 2 &* lanes
                    } else {
                        RowPairTile<12, 1, CIN>.compute(source + b &* depth, cin: cin, weights: weights + co, rowStride: rowStride,
                                                        pco: pco, into: target + (b &* pco &+ co))
                        co &+= lanes
                    }
                    #else
                    if computed &- co > lanes {
                        RowPairTile<6, 2, CIN>.compute(source + b &* depth, cin: cin, weights: weights + co, rowStride: rowStride,
                                                       pco: pco, into: target + (b &* pco &+ co))
                        co &+= 2 &* lanes
                    } else {
                        RowPairTile<6, 1, CIN>.compute(source + b &* depth, cin: cin, weights: weights + co, rowStride: rowStride,
                                                       pco: pco, into: target + (b &* pco &+ co))
                        co &+= lanes
                    }
                    #endif
                }
                b &+= tileBlocks
            }
        }
        let relu = j.relu != 0
        let channels = Int(j.output_channels)
        let productStride = batch &* pco
        for b in 0..<count {
            let out = PixelAddress.output(j, first[b])
            var co = 0
            while co < computed {
                let source = m + (b &* pco &+ co)
                let m0 = UnsafeRawPointer(source).loadUnaligned(as: Vector.self)
                let m1 = UnsafeRawPointer(source + productStride).loadUnaligned(as: Vector.self)
                let m2 = UnsafeRawPointer(source + 2 &* productStride).loadUnaligned(as: Vector.self)
                let m3 = UnsafeRawPointer(source + 3 &* productStride).loadUnaligned(as: Vector.self)
                RegisterTile<1, 1, Vector>.store(m0 + m1 + m2, to: out + co, valid: computed &- co, accumulate: false, relu: relu)
                RegisterTile<1, 1, Vector>.store(m1 - m2 - m3, to: out + (channels &+ co), valid: computed &- co,
                                                 accumulate: false, relu: relu)
                co &+= lanes
            }
            if j.cleared_outputs > j.computed_outputs {
                clearOutputs(j, at: out)
                clearOutputs(j, at: out + channels)
            }
        }
    }
}

/// `P` pairs by `NV` vectors of outputs of one component's product over the 3 kernel rows x `cin` inputs, in that
/// order (`WinogradTile`'s sums, with the weights of each kernel row `rowStride` floats after the last's).
struct RowPairTile<let P: Int, let NV: Int, let CIN: Int> {
    @inline(__always)
    static func compute(_ v: UnsafePointer<Float>, cin runtimeInputs: Int, weights: UnsafePointer<Float>, rowStride: Int,
                        pco: Int, into m: UnsafeMutablePointer<Float>) {
        typealias Vector = FullVector
        let lanes = Vector().scalarCount
        let cin = CIN > 0 ? CIN : runtimeInputs
        let depth = 3 &* cin
        var acc = InlineArray<P, InlineArray<NV, Vector>>.zeros
        var x = v
        for ky in 0..<3 {
            var w = weights + ky &* rowStride
            var ci = 0
            while ci < cin {
                var wv = InlineArray<NV, Vector>.zeros
                for k in 0..<NV { wv[k] = UnsafeRawPointer(w + k &* lanes).loadUnaligned(as: Vector.self) }
                for p in 0..<P {
                    let value = Vector(repeating: x[p &* depth &+ ci])
                    for k in 0..<NV { acc[p][k] = acc[p][k].addingProduct(value, wv[k]) }
                }
                w += pco
                ci &+= 1
            }
            x += cin
        }
        for p in 0..<P {
            for k in 0..<NV {
                UnsafeMutableRawPointer(m + (p &* pco &+ k &* lanes)).storeBytes(of: acc[p][k], as: Vector.self)
            }
        }
    }
}
