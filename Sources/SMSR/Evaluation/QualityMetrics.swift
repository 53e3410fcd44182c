import Foundation

/// PSNR and SSIM on the luma channel, as the SR benchmarks report them (the official SMSR test utility):
/// computed on quantized 8-bit RGB, with `shave` border pixels dropped on each side.
public enum QualityMetrics {
    /// PSNR of Y = (65.738 R + 129.057 G + 25.064 B) / 256 of the difference / 255. Identical images give +infinity.
    public static func psnrY(_ sr: [UInt8], _ hr: [UInt8], width: Int, height: Int, shave: Int) -> Double {
        precondition(sr.count == width * height * 3 && hr.count == sr.count, "images must be RGB of the same size")
        var sum = 0.0
        var count = 0
        for y in shave..<max(height - shave, shave) {
            for x in shave..<max(width - shave, shave) {
                let i = (y * width + x) * 3
                let dr = (Double(sr[i]) - Double(hr[i])) / 255
                let dg = (Double(sr[i + 1]) - Double(hr[i + 1])) / 255
                let db = (Double(sr[i + 2]) - Double(hr[i + 2])) / 255
                let dy = (65.738 * dr + 129.057 * dg + 25.064 * db) / 256
                sum += dy * dy
                count += 1
            }
        }
        guard count > 0 else { return .nan }
        return -10 * log10(sum / Double(count))
    }

    /// SSIM of Y = (65.738 R + 129.057 G + 25.064 B) / 255 + 16 with an 11x11 Gaussian window (sigma 1.5),
    /// over the region where the window fits entirely ("valid"), C1 = (0.01*255)^2, C2 = (0.03*255)^2.
    public static func ssimY(_ sr: [UInt8], _ hr: [UInt8], width: Int, height: Int, shave: Int) -> Double {
        precondition(sr.count == width * height * 3 && hr.count == sr.count, "images must be RGB of the same size")
        let (w, h) = (width - 2 * shave, height - 2 * shave)
        let radius = 5
        guard w > 2 * radius, h > 2 * radius else { return .nan }
        func luma(_ rgb: [UInt8]) -> [Double] {
            var plane = [Double](repeating: 0, count: w * h)
            for y in 0..<h {
                for x in 0..<w {
                    let i = ((y + shave) * width + x + shave) * 3
                    plane[y * w + x] = (65.738 * Double(rgb[i]) + 129.057 * Double(rgb[i + 1]) + 25.064 * Double(rgb[i + 2])) / 255 + 16
                }
            }
            return plane
        }
        let a = luma(sr)
        let b = luma(hr)
        let window = gaussian(size: 2 * radius + 1, sigma: 1.5)
        let muA = filterValid(a, w, h, window)
        let muB = filterValid(b, w, h, window)
        let aa = filterValid(zip(a, a).map(*), w, h, window)
        let bb = filterValid(zip(b, b).map(*), w, h, window)
        let ab = filterValid(zip(a, b).map(*), w, h, window)
        let c1 = pow(0.01 * 255, 2.0)
        let c2 = pow(0.03 * 255, 2.0)
        var total = 0.0
        for i in muA.indices {
            let (ma, mb) = (muA[i], muB[i])
            let varA = aa[i] - ma * ma
            let varB = bb[i] - mb * mb
            let cov = ab[i] - ma * mb
            total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (varA + varB + c2))
        }
        return total / Double(muA.count)
    }

    /// A normalised 1-D Gaussian, as OpenCV's getGaussianKernel builds it.
    static func gaussian(size: Int, sigma: Double) -> [Double] {
        let center = Double(size - 1) / 2
        let raw = (0..<size).map { exp(-pow(Double($0) - center, 2) / (2 * sigma * sigma)) }
        let sum = raw.reduce(0, +)
        return raw.map { $0 / sum }
    }

    /// Separable correlation keeping only the positions where the whole window lies inside the plane.
    static func filterValid(_ plane: [Double], _ w: Int, _ h: Int, _ k: [Double]) -> [Double] {
        let n = k.count
        let (ow, oh) = (w - n + 1, h - n + 1)
        var rows = [Double](repeating: 0, count: h * ow)
        for y in 0..<h {
            for x in 0..<ow {
                var s = 0.0
                for t in 0..<n { s += k[t] * plane[y * w + x + t] }
                rows[y * ow + x] = s
            }
        }
        var out = [Double](repeating: 0, count: oh * ow)
        for y in 0..<oh {
            for x in 0..<ow {
                var s = 0.0
                for t in 0..<n { s += k[t] * rows[(y + t) * ow + x] }
                out[y * ow + x] = s
            }
        }
        return out
    }
}
