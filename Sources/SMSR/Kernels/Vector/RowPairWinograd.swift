// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
import SMSRCPU

/// A sparse layer's masked pass with runs of neighbouring masked pixels of a row in tiles of 4 or 2 outputs by
/// Winograd's F(m, 3) along the row (see `smsr_row_pairs`); the other positions go to `GatherConvolution`. Per batch
/// of tiles of one size the inputs are transformed into `[component][tile][kernel row, input]`, each component is a
/// product over the 3 x inputs values (the Winograd tiles), and the products are transformed back into the tile's
/// output pixels (`RowTiles`). Single-threaded.
public enum RowPairWinograd {
    public static func run(_ job: UnsafePointer<smsr_row_pairs>) {
        let tiles = job.pointee
        let j = tiles.convolution.pointee
        guard j.count > 0, max(j.computed_outputs, j.cleared_outputs) > 0 else { return }
        precondition(j.kernel_size == 3 && j.bias == nil && j.accumulate == 0 && j.empty_taps == 0
                     && j.used_inputs == j.input_channels && j.input_channels % 16 == 0 && j.input_channels <= 256,
                     "row tiles take a 3x3 masked pass without bias on whole vectors of inputs")
        precondition(j.padded_outputs % 16 == 0 && j.computed_outputs <= j.padded_outputs, "bad output padding")
        switch j.input_channels {
        case 64: RowTileRuns<64>.run(j, tiles)
        default: RowTileRuns<0>.run(j, tiles)
        }
    }
}

/// Cuts the positions' runs into tiles on `CIN` input channels (0: any multiple of 16) and computes them in batches.
struct RowTileRuns<let CIN: Int> {
    /// Tiles per batch: a multiple of the product tile's block count.
    static var batch: Int { 24 }

    static func run(_ j: smsr_convolution, _ job: smsr_row_pairs) {
        let cin = CIN > 0 ? CIN : Int(j.input_channels)
        let depth = 3 &* cin
        let pco = Int(j.padded_outputs)
        let (height, width) = (Int(j.height), Int(j.width))
        let count = Int(j.count)
        let longest = job.fours != 0 ? 4 : 2
        let transformedCount = (longest &+ 2) &* batch &* depth
        let productCount = (longest &+ 2) &* batch &* pco
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: transformedCount &+ productCount)
        defer { scratch.deallocate() }
        let transformed = scratch
        let products = scratch + transformedCount
        let rest = UnsafeMutablePointer<Int32>.allocate(capacity: count)
        defer { rest.deallocate() }
        // The first positions of the tiles waiting, per size, and how many of their outputs are stored.
        var pairs = InlineArray<24, Int>.zeros
        var fours = InlineArray<24, Int>.zeros
        var fourLengths = InlineArray<24, Int>.zeros
        // Pairs store both outputs (`RowTiles` reads no lengths for them).
        let pairLengths = InlineArray<24, Int>.zeros
        var (pairCount, fourCount) = (0, 0)
        var restCount = 0
        var i = 0
        while i < count {
            let q = j.positions.map { Int($0[i]) } ?? (Int(j.first) &+ i)
            let y = q / width
            let x = q &- y &* width
            // The run from here (up to the longest tile): consecutive positions of one row, away from the border; and
            // the room for a tile there (its outputs away from the border too).
            var run = 0
            let room = width &- 1 &- x
            if y >= 1 && y < height &- 1 && x >= 1 {
                let most = min(count &- i, room, longest)
                if let positions = j.positions {
                    while run < most && Int(positions[i &+ run]) == q &+ run { run &+= 1 }
                } else {
                    run = most
                }
            }
            // A run of 3 left takes a tile of 4 whose last output is not stored, where that pixel is away from the
            // border: fewer multiplies than 2 + 1, the single pixel gathered.
            if job.fours != 0 && (run >= 4 || (run == 3 && room >= 4)) {
                let stored = min(run, 4)
                fours[fourCount] = q
                fourLengths[fourCount] = stored
                fourCount &+= 1
                i &+= stored
                if fourCount == batch {
                    RowTiles<CIN, 4>.compute(j, first: fours, stored: fourLengths, count: fourCount, weights: job.weights,
                                             transformed: transformed, products: products)
                    fourCount = 0
                }
            } else if run >= 2 {
                pairs[pairCount] = q
                pairCount &+= 1
                i &+= 2
                if pairCount == batch {
                    RowTiles<CIN, 2>.compute(j, first: pairs, stored: pairLengths, count: pairCount, weights: job.weights,
                                             transformed: transformed, products: products)
                    pairCount = 0
                }
            } else {
                rest[restCount] = Int32(q)
                restCount &+= 1
                i &+= 1
            }
        }
        if fourCount > 0 {
            RowTiles<CIN, 4>.compute(j, first: fours, stored: fourLengths, count: fourCount, weights: job.weights,
                                     transformed: transformed, products: products)
        }
        if pairCount > 0 {
            RowTiles<CIN, 2>.compute(j, first: pairs, stored: pairLengths, count: pairCount, weights: job.weights,
                                     transformed: transformed, products: products)
        }
        guard restCount > 0 else { return }
        var others = j
        others.positions = UnsafePointer(rest)
        others.first = 0
        others.count = restCount
        withUnsafePointer(to: others) { GatherConvolution.run($0) }
    }
}

/// `P` tiles by `NV` vectors of outputs of one component's product over the 3 kernel rows x `cin` inputs, in that
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
