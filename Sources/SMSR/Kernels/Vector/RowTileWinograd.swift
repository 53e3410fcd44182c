// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
import SMSRCPU

/// A batch of tiles of `M` (2 or 4) neighbouring masked pixels of a row by Winograd's F(M, 3) along the row, on `CIN`
/// input channels (0: any multiple of 16): the M + 2 input pixels of each kernel row become B^T d, each component is a
/// product over the 3 x inputs values, and A^T of the products gives the M outputs (`smsr_row_pairs`). The transforms
/// are those of the plain twin, `ReferenceKernels.rowTileMatrices`.
struct RowTiles<let CIN: Int, let M: Int> {
    /// Tiles per product tile, the most: 12 x 2 vectors of AVX-512's 32 registers (6 x 2 of AVX2's 16).
    #if SMSR_WIDE_VECTORS
    static var tileBlocks: Int { 12 }
    #else
    static var tileBlocks: Int { 6 }
    #endif

    /// Tiles starting at positions `first[0..<count]`, of which the first `stored[b]` outputs are written (the rest
    /// computed for nothing; pairs write both); `weights` holds components 1 ... M (`RowPairWeights`), components 0 and M + 1 are the
    /// layer's taps kx = 0 and kx = 2.
    static func compute(_ j: smsr_convolution, first: InlineArray<24, Int>, stored: InlineArray<24, Int>, count: Int,
                        weights u: UnsafePointer<Float>?,
                        transformed v: UnsafeMutablePointer<Float>, products m: UnsafeMutablePointer<Float>) {
        typealias Vector = FullVector
        let lanes = Vector.scalarCount
        let cin = CIN > 0 ? CIN : Int(j.input_channels)
        let depth = 3 &* cin
        let pco = Int(j.padded_outputs)
        let width = Int(j.width)
        let components = M &+ 2
        let batch = RowTileRuns<CIN>.batch
        let componentStride = batch &* depth
        for b in 0..<count {
            let q = first[b]
            let y = q / width
            let x = q &- y &* width
            for ky in 0..<3 {
                let row = PixelAddress.input(j, row: y &+ ky &- 1) + (x &- 1) &* cin
                let out = v + (b &* depth &+ ky &* cin)
                var ci = 0
                while ci < cin {
                    transformInputs(row + ci, cin: cin, into: out + ci, stride: componentStride)
                    ci &+= lanes
                }
            }
        }
        // The product tiles run whole, on an even count of tiles (the one past `count` reads zeros): rows hold a few
        // tiles of each size, and rounding them up to whole tiles of 12 cost more than the smaller tiles do.
        let tiled = (count &+ 1) & ~1
        if tiled > count {
            for k in 0..<components { (v + (k &* componentStride &+ count &* depth)).update(repeating: 0, count: depth) }
        }
        let computed = Int(j.computed_outputs)
        let tapStride = cin &* pco
        for k in 0..<components {
            let source = v + k &* componentStride
            let target = m + k &* batch &* pco
            // Component 0 and M + 1 are the taps kx = 0 and kx = 2 themselves: read from the layer's weights, a kernel
            // row apart of three taps; the others from the tiles' weights, a kernel row apart of one.
            let (weights, rowStride): (UnsafePointer<Float>, Int) = switch k {
            case 0: (j.weights, 3 &* tapStride)
            case components &- 1: (j.weights + 2 &* tapStride, 3 &* tapStride)
            default: (u! + (k &- 1) &* 3 &* tapStride, tapStride)
            }
            var b = 0
            while b < tiled {
                let left = tiled &- b
                let tile = left >= tileBlocks ? tileBlocks : (left > 4 ? 6 : left)
                var co = 0
                while co < computed {
                    let two = computed &- co > lanes
                    product(tile: tile, two: two, source + b &* depth, cin: cin, weights: weights + co, rowStride: rowStride,
                            pco: pco, into: target + (b &* pco &+ co))
                    co &+= two ? 2 &* lanes : lanes
                }
                b &+= tile
            }
        }
        let relu = j.relu != 0
        let channels = Int(j.output_channels)
        let productStride = batch &* pco
        for b in 0..<count {
            let out = PixelAddress.output(j, first[b])
            let length = M == 2 ? 2 : stored[b]
            var co = 0
            while co < computed {
                transformOutputs(m + (b &* pco &+ co), stride: productStride, into: out + co, channels: channels,
                                 valid: computed &- co, relu: relu, stored: length)
                co &+= lanes
            }
            if j.cleared_outputs > j.computed_outputs {
                for p in 0..<length { clearOutputs(j, at: out + p &* channels) }
            }
        }
    }

    /// One component's products of `tile` (12, 6, 4 or 2) tiles by two vectors of outputs (one where `two` is false).
    @inline(__always)
    static func product(tile: Int, two: Bool, _ x: UnsafePointer<Float>, cin: Int, weights w: UnsafePointer<Float>, rowStride: Int,
                        pco: Int, into out: UnsafeMutablePointer<Float>) {
        switch (tile, two) {
        #if SMSR_WIDE_VECTORS
        case (12, true): RowPairTile<12, 2, CIN>.compute(x, cin: cin, weights: w, rowStride: rowStride, pco: pco, into: out)
        case (12, false): RowPairTile<12, 1, CIN>.compute(x, cin: cin, weights: w, rowStride: rowStride, pco: pco, into: out)
        #endif
        case (6, true): RowPairTile<6, 2, CIN>.compute(x, cin: cin, weights: w, rowStride: rowStride, pco: pco, into: out)
        case (6, false): RowPairTile<6, 1, CIN>.compute(x, cin: cin, weights: w, rowStride: rowStride, pco: pco, into: out)
        case (4, true): RowPairTile<4, 2, CIN>.compute(x, cin: cin, weights: w, rowStride: rowStride, pco: pco, into: out)
        case (4, false): RowPairTile<4, 1, CIN>.compute(x, cin: cin, weights: w, rowStride: rowStride, pco: pco, into: out)
        case (_, true): RowPairTile<2, 2, CIN>.compute(x, cin: cin, weights: w, rowStride: rowStride, pco: pco, into: out)
        default: RowPairTile<2, 1, CIN>.compute(x, cin: cin, weights: w, rowStride: rowStride, pco: pco, into: out)
        }
    }

    /// B^T d of one vector of inputs: the tile's M + 2 pixels from `d` on (`cin` apart), component k to `out + k * stride`.
    @inline(__always)
    static func transformInputs(_ d: UnsafePointer<Float>, cin: Int, into out: UnsafeMutablePointer<Float>, stride: Int) {
        typealias Vector = FullVector
        func load(_ i: Int) -> Vector { UnsafeRawPointer(d + i &* cin).loadUnaligned(as: Vector.self) }
        func store(_ k: Int, _ value: Vector) { UnsafeMutableRawPointer(out + k &* stride).storeBytes(of: value, as: Vector.self) }
        func c(_ value: Float) -> Vector { Vector(repeating: value) }
        switch M {
        case 2:
            let (d0, d1, d2, d3) = (load(0), load(1), load(2), load(3))
            store(0, d0 - d2)
            store(1, d1 + d2)
            store(2, d2 - d1)
            store(3, d1 - d3)
        default:
            let (d0, d1, d2, d3, d4, d5) = (load(0), load(1), load(2), load(3), load(4), load(5))
            // Interpolation points 0, 1, -1, 1/2, -2 and infinity (`RowPairWeights.interpolation`).
            let (e31, e42) = (d3 - d1, d4 - d2)
            store(0, (d0 + d4 - d2 * c(2)) + e31 * c(1.5))
            store(1, (d4 - d1 + d2 * c(0.5)) + d3 * c(2.5))
            store(2, (d4 + d1 - d2 * c(2.5)) + d3 * c(0.5))
            store(3, e42 + e31 * c(2))
            store(4, e42 - e31 * c(0.5))
            store(5, (d1 + d5 - d3 * c(2)) + e42 * c(1.5))
        }
    }

    /// A^T m of one vector of outputs: the products from `m` on (component k at `m + k * stride`), the first `stored` of
    /// the M outputs to `out`, `channels` apart.
    @inline(__always)
    static func transformOutputs(_ m: UnsafePointer<Float>, stride: Int, into out: UnsafeMutablePointer<Float>, channels: Int,
                                 valid: Int, relu: Bool, stored: Int) {
        typealias Vector = FullVector
        func load(_ k: Int) -> Vector { UnsafeRawPointer(m + k &* stride).loadUnaligned(as: Vector.self) }
        func store(_ p: Int, _ value: Vector) {
            guard p < stored else { return }
            RegisterTile<1, 1, Vector>.store(value, to: out + p &* channels, valid: valid, accumulate: false, relu: relu)
        }
        func c(_ value: Float) -> Vector { Vector(repeating: value) }
        switch M {
        case 2:
            let (m0, m1, m2, m3) = (load(0), load(1), load(2), load(3))
            store(0, m0 + m1 + m2)
            store(1, m1 - m2 - m3)
        default:
            let (m0, m1, m2, m3, m4, m5) = (load(0), load(1), load(2), load(3), load(4), load(5))
            // Products 1 and 2 carry 2/3 and -2/3, so that U1 and U2 are the pairs' (`RowPairWeights.interpolation`).
            let (s12, e12) = ((m1 + m2) * c(2.0 / 3), (m1 - m2) * c(2.0 / 3))
            store(0, m0 + e12 + (m3 + m4))
            store(1, s12 + (m3 * c(0.5) - m4 * c(2)))
            store(2, e12 + (m3 * c(0.25) + m4 * c(4)))
            store(3, s12 + (m3 * c(0.125) - m4 * c(8)) + m5)
        }
    }
}
