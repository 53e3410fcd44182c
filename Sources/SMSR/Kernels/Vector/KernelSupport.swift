// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
import SMSRCPU

/// The size of a register tile's sums, the most any tile here holds (24 vectors of 64 bytes).
enum Spill {
    static let bytes = 24 * 64
}

/// A pixel of zeros, read by taps beyond the image border (never written).
enum ZeroPixel {
    static let channels = 1024
    nonisolated(unsafe) static let values: UnsafePointer<Float> = {
        let pixel = UnsafeMutablePointer<Float>.allocate(capacity: channels)
        pixel.initialize(repeating: 0, count: channels)
        return UnsafePointer(pixel)
    }()
}

extension InlineArray where Element: BitwiseCopyable {
    /// An array of zero bits, read from `ZeroPixel`. `InlineArray(repeating:)` is a standard library specialization that
    /// a multi-threaded whole-module build emits in one file's object and calls from the others: the array's address
    /// then escapes into that call, and the compiler stores a register tile's accumulators back to the stack after every
    /// multiply-add. A load from memory keeps the array a local value.
    @inline(__always)
    static var zeros: Self {
        UnsafeRawPointer(ZeroPixel.values).loadUnaligned(as: Self.self)
    }
}

/// Sets outputs `computed_outputs..<cleared_outputs` of one pixel to 0.
@inline(__always)
func clearOutputs(_ j: smsr_convolution, at pixel: UnsafeMutablePointer<Float>) {
    var c = Int(j.computed_outputs)
    let end = Int(j.cleared_outputs)
    let lanes = FullVector.scalarCount
    while c &+ lanes <= end {
        UnsafeMutableRawPointer(pixel + c).storeBytes(of: FullVector(), as: FullVector.self)
        c &+= lanes
    }
    while c < end {
        pixel[c] = 0
        c &+= 1
    }
}

/// Where pixel `q` (a row-major index into height x width) lives in a job's input or output: at `q` in a
/// whole map, or in row `y % n` of a ring of n rows, which a row pipeline reuses as it moves down the image.
/// Callers only ask for pixels of one row at consecutive addresses, which both layouts keep contiguous.
enum PixelAddress {
    @inline(__always)
    static func input(_ j: smsr_convolution, _ q: Int) -> UnsafePointer<Float> {
        j.input + offset(q, ring: Int(j.input_ring_rows), width: Int(j.width)) &* Int(j.input_channels)
    }

    /// The first pixel of row y.
    @inline(__always)
    static func input(_ j: smsr_convolution, row y: Int) -> UnsafePointer<Float> {
        let ring = Int(j.input_ring_rows)
        return j.input + (ring > 0 ? y % ring : y) &* Int(j.width) &* Int(j.input_channels)
    }

    @inline(__always)
    static func output(_ j: smsr_convolution, _ q: Int) -> UnsafeMutablePointer<Float> {
        j.output + offset(q, ring: Int(j.output_ring_rows), width: Int(j.width)) &* Int(j.output_channels)
    }

    @inline(__always)
    static func offset(_ q: Int, ring: Int, width: Int) -> Int {
        guard ring > 0 else { return q }
        let y = q / width
        return (y % ring) &* width &+ (q &- y &* width)
    }
}
