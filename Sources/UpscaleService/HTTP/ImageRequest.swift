import HTTPServer
import Imaging

/// An image request checked from its query, its headers and the image's own header, before any pixel
/// is decoded: what every image route validates first.
struct ImageRequest: Sendable {
    let upload: ImageUpload
    let model: LoadedModel
    let parameters: UpscaleParameters
    /// How the upscaled image is written (`/v1/upscale`); the input's format and defaults elsewhere.
    let encoding: OutputEncoding
    /// What the image's header says; the flow admits the job from it before queueing.
    let header: ImageHeader

    init(_ request: Request, route: Route, catalog: ModelCatalog, maxPixels: Int) throws(ProblemDetails) {
        parameters = try UpscaleParameters(head: request.head, scales: catalog.scales, defaultScale: catalog.defaultScale,
                                           negotiatesFormat: route == .upscale)
        upload = try ImageUpload(request: request)
        let header: ImageHeader
        do {
            header = try ImageCodec.readHeader(upload.bytes)
        } catch {
            throw .forImage(error)
        }
        guard header.pixelCount <= maxPixels else {
            throw .tooManyPixels(width: header.uprightWidth, height: header.uprightHeight, limit: maxPixels)
        }
        guard let model = catalog.model(scale: parameters.scale) else {
            throw .internalError("the model for scale \(parameters.scale) is missing")
        }
        self.model = model
        encoding = try parameters.encoding(input: header.format)
        self.header = header
    }

    /// The tag of the answer `route` gives: the image, the model's weights, and whatever of the
    /// parameters shapes that answer.
    func entityTag(_ route: Route) -> EntityTag {
        var parts = [route.template, model.sha256, "x\(model.scale)"]
        if route == .upscale {
            parts.append(encoding.format.rawValue)
            if encoding.format == .webp, encoding.lossless {
                parts.append("lossless")
            } else if encoding.format != .png {
                parts.append("q\(encoding.quality)")
            }
        }
        return EntityTag(parts: parts, image: upload.bytes)
    }
}
