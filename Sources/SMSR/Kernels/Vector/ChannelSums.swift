// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
import SMSRCPU

/// Channel sums of a row in double precision: `sums[ch] += row[p * channels + ch]` for every pixel p in order, as
/// `FeatureArithmetic.addChannelSums` adds them (the same sums in the same order, so the same bits), with up to four
/// vectors of channels per pass over the pixels: each channel's sum waits on its previous add, and one pass keeps
/// eight independent sums going where eight channels at a time kept one.
public enum ChannelSums {
    public static func add(_ row: UnsafePointer<Float>, pixels: Int, channels c: Int, into sums: UnsafeMutablePointer<Double>) {
        let lanes = FullVector.scalarCount
        let half = lanes / 2
        var ch = 0
        while ch &+ 4 &* lanes <= c {
            var acc = InlineArray<8, HalfDoubles>.zeros
            for k in 0..<8 { acc[k] = UnsafeRawPointer(sums + (ch &+ k &* half)).loadUnaligned(as: HalfDoubles.self) }
            var pixel = row + ch
            for _ in 0..<pixels {
                for v in 0..<4 {
                    let x = UnsafeRawPointer(pixel + v &* lanes).loadUnaligned(as: FullVector.self)
                    acc[2 &* v] += HalfDoubles(x.lowHalf)
                    acc[2 &* v &+ 1] += HalfDoubles(x.highHalf)
                }
                pixel += c
            }
            for k in 0..<8 { UnsafeMutableRawPointer(sums + (ch &+ k &* half)).storeBytes(of: acc[k], as: HalfDoubles.self) }
            ch &+= 4 &* lanes
        }
        while ch < c {
            var sum = sums[ch]
            var pixel = row + ch
            for _ in 0..<pixels {
                sum += Double(pixel[0])
                pixel += c
            }
            sums[ch] = sum
            ch &+= 1
        }
    }
}
