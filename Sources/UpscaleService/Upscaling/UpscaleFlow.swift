import Imaging
import SMSR

/// How an upscaled image is written.
public struct OutputEncoding: Sendable, Hashable {
    public var format: ImageFormat
    /// JPEG and lossy WebP, 1-100.
    public var quality: Int
    /// WebP only: lossless instead of lossy.
    public var lossless: Bool

    public static let defaultQuality = 90

    public init(format: ImageFormat, quality: Int = OutputEncoding.defaultQuality, lossless: Bool = false) {
        self.format = format
        self.quality = quality
        self.lossless = lossless
    }
}

/// One image through the service's path, the same for the command line and the workers: decode (pixel
/// limit, orientation), run the network on its colour, bicubic-upscale its alpha, re-assemble in the
/// input's layout, encode. Each step laps the caller's stopwatch.
public struct UpscaleFlow: Sendable {
    /// A step that failed on what it was given.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Stage: Sendable { case decode, encode }
        public let stage: Stage
        public let error: ImageError

        public var description: String { error.description }
    }

    public let model: LoadedModel
    public let options: InferenceOptions
    /// Refuse inputs with more pixels than this (from their header, before decoding); nil: the codecs' own ceiling.
    public let maxPixels: Int?

    public init(model: LoadedModel, options: InferenceOptions, maxPixels: Int? = nil) {
        self.model = model
        self.options = options
        self.maxPixels = maxPixels
    }

    public func decode(_ bytes: [UInt8], stopwatch: inout Stopwatch) throws(Failure) -> DecodedImage {
        do {
            let decoded = try ImageCodec.decode(bytes, maxPixels: maxPixels)
            stopwatch.lap("decode")
            return decoded
        } catch {
            throw Failure(stage: .decode, error: error)
        }
    }

    /// Upscales a decoded image, keeping its layout: gray comes back gray, alpha comes back alpha.
    public func upscale(_ image: Image) -> (image: Image, inference: InferenceResult) {
        let result = model.network.run(planarRGB: image.planarRGB(), height: image.height, width: image.width, options: options)
        var output = Image(planarRGB: result.planarRGB, width: result.width, height: result.height)
        if image.layout.isGray { output = output.converted(to: .gray) }
        if let alpha = image.alphaPlane() {
            let upsampled = BicubicUpsampling(scale: model.scale).upsample(alpha, height: image.height, width: image.width)
            output = output.attachingAlpha(upsampled)
        }
        return (output, result)
    }

    public func encode(_ image: Image, as encoding: OutputEncoding, stopwatch: inout Stopwatch) throws(Failure) -> [UInt8] {
        do {
            let bytes = try ImageCodec.encode(image, as: encoding.format, quality: encoding.quality, lossless: encoding.lossless)
            stopwatch.lap("encode")
            return bytes
        } catch {
            throw Failure(stage: .encode, error: error)
        }
    }

    /// Decodes, upscales and, unless `encoding` is nil, encodes `picture` of the result: by default the
    /// upscaled image itself (`/v1/masks` draws the masks over the input instead).
    public func run(
        _ bytes: [UInt8], encoding: OutputEncoding?, stopwatch: inout Stopwatch,
        picture: (_ input: Image, _ output: Image, _ inference: InferenceResult) -> Image = { _, output, _ in output }
    ) throws(Failure) -> UpscaleOutcome {
        let decoded = try decode(bytes, stopwatch: &stopwatch)
        let (image, inference) = upscale(decoded.image)
        stopwatch.lap("infer")
        var encoded: [UInt8] = []
        if let encoding {
            encoded = try encode(picture(decoded.image, image, inference), as: encoding, stopwatch: &stopwatch)
        }
        return UpscaleOutcome(
            input: UpscaleReport.Size(width: decoded.image.width, height: decoded.image.height),
            output: UpscaleReport.Size(width: image.width, height: image.height),
            scale: model.scale, format: encoding?.format ?? decoded.header.format, encoded: encoded,
            inference: inference, laps: stopwatch.laps)
    }
}

/// What one run of the flow produced: the encoded image (empty when nothing was encoded), the network's
/// result, and the laps so far.
public struct UpscaleOutcome: Sendable {
    public let input: UpscaleReport.Size
    public let output: UpscaleReport.Size
    public let scale: Int
    /// The format written, or the input's when nothing was.
    public let format: ImageFormat
    public let encoded: [UInt8]
    public let inference: InferenceResult
    public let laps: [Stopwatch.Lap]

    /// The report of this run, its whole time being `totalMilliseconds`.
    public func report(totalMilliseconds: Double) -> UpscaleReport {
        UpscaleReport(input: input, output: output, scale: scale, format: format, inference: inference,
                      laps: laps, totalMilliseconds: totalMilliseconds)
    }
}
