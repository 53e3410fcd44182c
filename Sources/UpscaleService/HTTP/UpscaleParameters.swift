import HTTPServer
import Imaging

/// What a client may ask of one image: the scale (`?scale=`), the output format (`?format=`, else
/// the `Accept` header, else the input's), the quality of JPEG and lossy WebP (`?quality=`) and
/// lossless WebP (`?lossless=true`).
struct UpscaleParameters: Sendable, Equatable {
    var scale: Int
    /// Nil means "the input's format", settled once the image header is read.
    var format: ImageFormat?
    /// Weights from the `Accept` header; nil when there is none (or it does not apply).
    var acceptWeights: [ImageFormat: Double]?
    var quality: Int
    var lossless: Bool

    /// The defaults: this scale, the input's format, default quality, lossy.
    init(scale: Int) {
        self.scale = scale
        format = nil
        acceptWeights = nil
        quality = OutputEncoding.defaultQuality
        lossless = false
    }

    /// Reads the query and, when the route answers with an image, `Accept`.
    init(head: RequestHead, scales: [Int], defaultScale: Int, negotiatesFormat: Bool) throws(ProblemDetails) {
        self.init(scale: defaultScale)
        if let text = head.queryValue("scale") {
            guard let value = Int(text) else { throw .invalidParameter("scale must be an integer, not \(text)") }
            guard scales.contains(value) else {
                throw .badRequest("no model for scale \(value) is loaded; available: \(scales.map(String.init).joined(separator: ", "))",
                                  kind: "scale-unavailable")
            }
            scale = value
        }
        if let text = head.queryValue("format") {
            guard let named = ImageFormat(name: text) else {
                throw .invalidParameter("format must be png, jpeg or webp, not \(text)")
            }
            format = named
        }
        if let text = head.queryValue("quality") {
            guard let value = Int(text), (1...100).contains(value) else {
                throw .invalidParameter("quality must be an integer from 1 to 100, not \(text)")
            }
            quality = value
        }
        if let text = head.queryValue("lossless") {
            switch text.lowercased() {
            case "true", "1": lossless = true
            case "false", "0": lossless = false
            default: throw .invalidParameter("lossless must be true or false, not \(text)")
            }
        }
        if negotiatesFormat, format == nil, let accept = head.headers["Accept"] {
            let weights = Self.acceptWeights(accept)
            if weights.values.allSatisfy({ $0 == 0 }) { throw .notAcceptable(accept) }
            acceptWeights = weights
        }
    }

    /// Each image format's weight under an `Accept` header: the most specific range covering it
    /// decides (RFC 9110 §12.5.1); 0 means refused.
    static func acceptWeights(_ accept: String) -> [ImageFormat: Double] {
        let ranges = MediaType.acceptList(accept)
        guard !ranges.isEmpty else { return Dictionary(uniqueKeysWithValues: ImageFormat.allCases.map { ($0, 1.0) }) }
        func specificity(_ range: MediaType) -> Int { range.type == "*" ? 0 : range.subtype == "*" ? 1 : 2 }
        var weights: [ImageFormat: Double] = [:]
        for format in ImageFormat.allCases {
            let covering = ranges.filter { $0.range.covers(format.mimeType) }
            weights[format] = covering.max { specificity($0.range) < specificity($1.range) }?.q ?? 0
        }
        return weights
    }

    /// The format to write: the explicit one, else the input's if `Accept` rates it as high as any,
    /// else the one it rates highest.
    func outputFormat(input: ImageFormat) -> ImageFormat {
        if let format { return format }
        guard let acceptWeights else { return input }
        let best = acceptWeights.values.max() ?? 0
        if acceptWeights[input] == best { return input }
        return ImageFormat.allCases.first { acceptWeights[$0] == best } ?? input
    }

    /// How an image whose own format is `input` is written; JPEG has no lossless mode.
    func encoding(input: ImageFormat) throws(ProblemDetails) -> OutputEncoding {
        let format = outputFormat(input: input)
        if lossless, format == .jpeg {
            throw .invalidParameter("lossless applies to WebP (PNG always is); JPEG has no lossless mode")
        }
        return OutputEncoding(format: format, quality: quality, lossless: lossless)
    }
}

extension ImageFormat {
    /// A format by the name clients use (`png`, `jpeg` or `jpg`, `webp`), any case.
    init?(name: String) {
        switch name.lowercased() {
        case "png": self = .png
        case "jpeg", "jpg": self = .jpeg
        case "webp": self = .webp
        default: return nil
        }
    }
}
