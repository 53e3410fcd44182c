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

/// One image through the service's path, the same for the command line and the workers: admit (from the
/// header: pixel limit, what the encoder can write, tiling overhead), decode (orientation), run the network on
/// its colour, bicubic-upscale its alpha, re-assemble in the input's layout, encode. Each step laps the
/// caller's stopwatch.
public struct UpscaleFlow: Sendable {
    /// A step that failed on what it was given, or a run stopped early.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The file could not be read, or has more pixels than allowed.
        case decode(ImageError)
        /// Refused from the header: the output could never be written in its format.
        case unwritable(format: ImageFormat, width: Int, height: Int, ImageError)
        /// Refused from the header: the tiles would run on `overhead` times the image's pixels.
        case tilingOverhead(width: Int, height: Int, overhead: Double, bound: Double)
        /// Stopped between tiles: the client left, or the compute deadline passed.
        case stopped(ComputeLimit.Reason, RunStopped)
        /// The result could not be encoded.
        case encode(ImageError)

        public var description: String {
            switch self {
            case .decode(let error), .encode(let error): error.description
            case .unwritable(_, _, _, let error): error.description
            case let .tilingOverhead(width, height, overhead, bound):
                "a \(width)x\(height) image would run on \(overhead.formatted(decimals: 1)) times its pixels in tiles,"
                    + " more than the bound of \(bound.formatted(decimals: 1))"
            case let .stopped(reason, stop):
                "\(reason) after \(stop.completedTiles) of \(stop.tileCount) tiles"
            }
        }
    }

    /// What is encoded, for an input of a given upright size: its size (nil when nothing is encoded) and format.
    public struct Output: Sendable {
        public let format: ImageFormat
        public let size: @Sendable (_ width: Int, _ height: Int) -> (width: Int, height: Int)

        public init(format: ImageFormat, size: @escaping @Sendable (_ width: Int, _ height: Int) -> (width: Int, height: Int)) {
            self.format = format
            self.size = size
        }
    }

    /// Tiles may run on at most this many times an image's pixels (context counted). The default budget stays
    /// near 1.2 whatever the shape; small fixed tiles (`SMSR_TILE`) pass it on images they would multiply.
    public static let maximumTilingOverhead = 4.0

    public let model: LoadedModel
    public let options: InferenceOptions
    /// Refuse inputs with more pixels than this (from their header, before decoding); nil: the codecs' own ceiling.
    public let maxPixels: Int?

    public init(model: LoadedModel, options: InferenceOptions, maxPixels: Int? = nil) {
        self.model = model
        self.options = options
        self.maxPixels = maxPixels
    }

    /// The upscaled image's size for an input of `width` x `height`.
    public func upscaledSize(_ width: Int, _ height: Int) -> (width: Int, height: Int) {
        (width.multipliedReportingOverflow(by: model.scale).partialValue, height.multipliedReportingOverflow(by: model.scale).partialValue)
    }

    /// Refuses, from the header alone, a job that could not finish or would cost out of proportion to its
    /// pixels: an output beyond the encoder's limits, tiles that would multiply the work per pixel. Milliseconds,
    /// nothing decoded.
    public func admit(_ header: ImageHeader, output: Output?) throws(Failure) {
        let (width, height) = (header.uprightWidth, header.uprightHeight)
        let pixelLimit = min(maxPixels ?? ImageCodec.absoluteMaxPixels, ImageCodec.absoluteMaxPixels)
        guard header.pixelCount <= pixelLimit else {
            throw .decode(.tooLarge(width: header.width, height: header.height, limit: pixelLimit))
        }
        if let output {
            let size = output.size(width, height)
            if let refusal = output.format.refusal(width: size.width, height: size.height) {
                throw .unwritable(format: output.format, width: size.width, height: size.height, refusal)
            }
        }
        let work = model.network.tiledWork(height: height, width: width, tiling: options.tiling)
        if work.overhead > Self.maximumTilingOverhead {
            throw .tilingOverhead(width: width, height: height, overhead: work.overhead, bound: Self.maximumTilingOverhead)
        }
    }

    public func decode(_ bytes: [UInt8], stopwatch: inout Stopwatch) throws(Failure) -> DecodedImage {
        do {
            let decoded = try ImageCodec.decode(bytes, maxPixels: maxPixels)
            stopwatch.lap("decode")
            return decoded
        } catch {
            throw .decode(error)
        }
    }

    /// Upscales a decoded image, keeping its layout: gray comes back gray, alpha comes back alpha.
    public func upscale(_ image: Image) -> (image: Image, inference: InferenceResult) {
        do throws(Failure) {
            return try upscale(image, limit: .none)
        } catch {
            preconditionFailure("a run without a limit never stops")
        }
    }

    /// `upscale`, stopping between tiles when `limit` says so.
    public func upscale(_ image: Image, limit: ComputeLimit) throws(Failure) -> (image: Image, inference: InferenceResult) {
        let result: InferenceResult
        do throws(RunStopped) {
            result = try model.network.run(planarRGB: image.planarRGB(), height: image.height, width: image.width,
                                           options: options, checkpoint: limit.checkpoint)
        } catch {
            throw .stopped(limit.reason() ?? .deadline(seconds: 0), error)
        }
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
            throw .encode(error)
        }
    }

    /// Admits, decodes, upscales and, unless `encoding` is nil, encodes `picture` of the result: by default the
    /// upscaled image itself (`/v1/masks` draws the masks over the input instead, `pictureSize` its size).
    public func run(
        _ bytes: [UInt8], encoding: OutputEncoding?, limit: ComputeLimit = .none, stopwatch: inout Stopwatch,
        pictureSize: (@Sendable (_ width: Int, _ height: Int) -> (width: Int, height: Int))? = nil,
        picture: (_ input: Image, _ output: Image, _ inference: InferenceResult) -> Image = { _, output, _ in output }
    ) throws(Failure) -> UpscaleOutcome {
        let header: ImageHeader
        do {
            header = try ImageCodec.readHeader(bytes)
        } catch {
            throw .decode(error)
        }
        let scaled: @Sendable (Int, Int) -> (width: Int, height: Int) = { [self] in upscaledSize($0, $1) }
        try admit(header, output: encoding.map { Output(format: $0.format, size: pictureSize ?? scaled) })
        let decoded = try decode(bytes, stopwatch: &stopwatch)
        let (image, inference) = try upscale(decoded.image, limit: limit)
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
