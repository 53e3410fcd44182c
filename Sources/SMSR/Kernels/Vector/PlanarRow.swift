// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
import SMSRCPU

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
        var acc = InlineArray<CO, InlineArray<XV, Vector>>.zeros
        for ky in 0..<3 {
            let row = ky == 0 ? planar.0 : (ky == 1 ? planar.1 : planar.2)
            for kx in 0..<3 {
                var w = j.weights + (((ky &* 3 &+ kx) &* Int(j.weight_inputs)) &* stride &+ co)
                var source = row + (x0 &+ kx)
                var ci = 0
                while ci < inputs {
                    var xv = InlineArray<XV, Vector>.zeros
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
