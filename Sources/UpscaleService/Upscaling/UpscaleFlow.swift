import Foundation
import Imaging
import SMSR

/// One image through the service's path: decode, run the network on its colour, bicubic-upscale its
/// alpha, re-assemble in the input's layout, encode.
public struct UpscalePipeline: Sendable {
    public let model: LoadedModel
    public let options: InferenceOptions

    public init(model: LoadedModel, options: InferenceOptions = InferenceOptions()) {
        self.model = model
        self.options = options
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

    /// Decodes, upscales and encodes. `format` nil keeps the input's format.
    public func upscale(encoded bytes: [UInt8], format: ImageFormat? = nil, quality: Int = 90,
                        maxPixels: Int? = nil) throws(ImageError) -> UpscaleOutcome {
        var timings = StageTimings()
        let decoded = try ImageCodec.decode(bytes, maxPixels: maxPixels)
        timings.finish("decode")
        let (image, inference) = upscale(decoded.image)
        timings.finish("infer")
        let outputFormat = format ?? decoded.header.format
        let encoded = try ImageCodec.encode(image, as: outputFormat, quality: quality)
        timings.finish("encode")
        let report = UpscaleReport(input: decoded.image, output: image, format: outputFormat, scale: model.scale,
                                   inference: inference, timings: timings.milliseconds)
        return UpscaleOutcome(bytes: encoded, report: report, inference: inference)
    }
}

/// The encoded result of one upscale, its report, and the network's raw result.
public struct UpscaleOutcome: Sendable {
    public let bytes: [UInt8]
    public let report: UpscaleReport
    public let inference: InferenceResult
}
