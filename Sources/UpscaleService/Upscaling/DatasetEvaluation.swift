import Foundation
import Imaging
import SMSR

/// Scores a model on a benchmark dataset the way the SR papers do: LR/HR pairs matched by name, LR cropped
/// to even size and HR to `scale` times that (top-left), output quantized, PSNR_Y and SSIM_Y with the
/// `scale`-pixel border shaved, mean over images.
public struct DatasetEvaluation: Sendable {
    public struct Pair: Sendable {
        public let name: String
        public let lr: URL
        public let hr: URL
    }

    public struct ImageScore: Sendable {
        public let name: String
        public let psnrY: Double
        public let ssimY: Double
        public let work: WorkCount
        public let maskDensity: [Double]
        /// The quantized output, at `scale` times the (even-cropped) LR size.
        public let output: Image
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case unreadableDirectory(String)
        case noPairs(hr: String, lr: String)
        /// A file that cannot be read or decoded.
        case image(name: String, reason: String)
        /// An LR image that is not the HR image downscaled by the model's scale.
        case sizeMismatch(name: String, lr: UpscaleReport.Size, hr: UpscaleReport.Size, scale: Int)

        public var description: String {
            switch self {
            case let .unreadableDirectory(path): "cannot list directory \(path)"
            case let .noPairs(hr, lr): "no image in \(lr) matches one in \(hr) by name"
            case let .image(name, reason): "\(name): \(reason)"
            case let .sizeMismatch(name, lr, hr, scale):
                "\(name): LR \(lr.text) and HR \(hr.text) do not match scale \(scale) (x\(scale) of this LR is "
                    + "\(lr.width * scale)x\(lr.height * scale)); are --lr and --scale for the same factor?"
            }
        }
    }

    public let flow: UpscaleFlow

    public init(flow: UpscaleFlow) { self.flow = flow }

    /// Matches LR files to HR files by name; an LR name may carry an `xN` suffix (`babyx2.png`, `baby_x2.png`).
    public static func pairs(hr: URL, lr: URL, scale: Int) throws(Failure) -> [Pair] {
        func images(_ dir: URL) throws(Failure) -> [String: URL] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else {
                throw .unreadableDirectory(dir.path)
            }
            var result: [String: URL] = [:]
            for name in names where ImageFormat(fileName: name) != nil {
                result[(name as NSString).deletingPathExtension] = dir.appendingPathComponent(name)
            }
            return result
        }
        let hrFiles = try images(hr)
        var pairs: [Pair] = []
        for (stem, lrURL) in try images(lr) {
            var key = stem
            for suffix in ["_x\(scale)", "x\(scale)"] where key.hasSuffix(suffix) && hrFiles[key] == nil {
                key = String(key.dropLast(suffix.count))
            }
            if let hrURL = hrFiles[key] { pairs.append(Pair(name: key, lr: lrURL, hr: hrURL)) }
        }
        guard !pairs.isEmpty else { throw .noPairs(hr: hr.path, lr: lr.path) }
        return pairs.sorted { $0.name < $1.name }
    }

    public func score(_ pair: Pair) throws(Failure) -> ImageScore {
        let s = flow.model.scale
        func load(_ url: URL) throws(Failure) -> Image {
            do {
                return try ImageCodec.decode(FileBytes.read(url.path)).image.converted(to: .rgb)
            } catch let error as FileBytes.Failure {
                throw .image(name: pair.name, reason: "cannot read \(url.path): \(error.reason)")
            } catch {
                throw .image(name: pair.name, reason: "\(url.path): \(error)")
            }
        }
        let lrFull = try load(pair.lr)
        let hrFull = try load(pair.hr)
        // The HR image, cut to a multiple of the scale, is what the LR image was downscaled from.
        guard hrFull.width / s == lrFull.width, hrFull.height / s == lrFull.height else {
            throw .sizeMismatch(name: pair.name, lr: .init(width: lrFull.width, height: lrFull.height),
                                hr: .init(width: hrFull.width, height: hrFull.height), scale: s)
        }
        let (lh, lw) = (lrFull.height - lrFull.height % 2, lrFull.width - lrFull.width % 2)
        guard lh > 0, lw > 0 else {
            throw .image(name: pair.name, reason: "LR \(lrFull.width)x\(lrFull.height) has no even-sized part to score")
        }
        let lr = lrFull.cropped(x: 0, y: 0, width: lw, height: lh)
        let hr = hrFull.cropped(x: 0, y: 0, width: s * lw, height: s * lh)
        let (sr, inference) = flow.upscale(lr)
        return ImageScore(
            name: pair.name,
            psnrY: QualityMetrics.psnrY(sr.pixels, hr.pixels, width: hr.width, height: hr.height, shave: s),
            ssimY: QualityMetrics.ssimY(sr.pixels, hr.pixels, width: hr.width, height: hr.height, shave: s),
            work: inference.work,
            maskDensity: inference.maskDensity,
            output: sr)
    }
}
