import HTTPServer
import Imaging
import SMSR

/// Every refusal the service makes, each with its own problem type and a detail that says what to
/// change.
extension ProblemDetails {
    static func notFound(path: String) -> ProblemDetails {
        .init(kind: "not-found", title: "Not Found", status: 404, detail: "there is no resource at \(path)")
    }

    static func methodNotAllowed(_ method: HTTPMethod, path: String, allowed: [HTTPMethod]) -> ProblemDetails {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return .init(kind: "method-not-allowed", title: "Method Not Allowed", status: 405,
                     detail: "\(path) does not support \(method.rawValue); use \(list)", headers: ["Allow": list])
    }

    static func unauthorized(presented: Bool) -> ProblemDetails {
        // RFC 6750: no error code when no credentials were sent, `invalid_token` when they were wrong.
        let challenge = presented ? #"Bearer realm="smsr", error="invalid_token""# : #"Bearer realm="smsr""#
        return .init(kind: "unauthorized", title: "Unauthorized", status: 401,
                     detail: presented ? "the bearer token is not valid for this service"
                         : "this service needs an API key: send Authorization: Bearer <key>",
                     headers: ["WWW-Authenticate": challenge])
    }

    static func unsupportedMediaType(_ contentType: String?) -> ProblemDetails {
        .init(kind: "unsupported-media-type", title: "Unsupported Media Type", status: 415,
              detail: (contentType.map { "Content-Type \($0) is not accepted" } ?? "the request has no Content-Type")
                  + "; send the image as image/png, image/jpeg, image/webp or application/octet-stream,"
                  + " or multipart/form-data with a field named image",
              rejectionReason: "unsupported_type")
    }

    static func notAnImage(declared: String?) -> ProblemDetails {
        .init(kind: "unsupported-media-type", title: "Unsupported Media Type", status: 415,
              detail: "the uploaded file\(declared.map { " (\($0))" } ?? "") is not a PNG, JPEG or WebP image",
              rejectionReason: "unsupported_type")
    }

    static func contentTooLarge(limit: Int) -> ProblemDetails {
        .init(kind: "content-too-large", title: "Content Too Large", status: 413,
              detail: "the request body is larger than the limit of \(limit) bytes", rejectionReason: "body_too_large")
    }

    static func tooManyPixels(width: Int, height: Int, limit: Int) -> ProblemDetails {
        .init(kind: "too-many-pixels", title: "Image Too Large", status: 422,
              detail: "the image is \(width)x\(height) = \(width * height) pixels, more than the limit of \(limit) pixels",
              rejectionReason: "too_many_pixels")
    }

    static func corruptImage(_ detail: String) -> ProblemDetails {
        .init(kind: "corrupt-image", title: "Unreadable Image", status: 400, detail: detail, rejectionReason: "corrupt")
    }

    static func badRequest(_ detail: String, kind: String = "bad-request") -> ProblemDetails {
        .init(kind: kind, title: "Bad Request", status: 400, detail: detail)
    }

    static func invalidParameter(_ detail: String) -> ProblemDetails {
        .badRequest(detail, kind: "invalid-parameter")
    }

    static func tooLargeForFormat(width: Int, height: Int, format: ImageFormat, picture: String = "upscaled image") -> ProblemDetails {
        let others = ImageFormat.allCases.filter { $0 != format && $0.refusal(width: width, height: height) == nil }
        let advice = others.isEmpty ? "send a smaller image"
            : "ask for \(others.map(\.rawValue).joined(separator: " or ")) instead"
        return .init(kind: "too-large-for-format", title: "Image Too Large", status: 422,
                     detail: "the \(picture) would be \(width)x\(height), more than \(format.rawValue.uppercased()) writes"
                         + " (\(format.largestSide) pixels a side: \(format.largestSideSource)); \(advice)",
                     rejectionReason: "too_large_for_format")
    }

    static func tilingOverhead(width: Int, height: Int, overhead: Double, bound: Double) -> ProblemDetails {
        .init(kind: "tiling-overhead", title: "Image Too Costly", status: 422,
              detail: "a \(width)x\(height) image would run on \(overhead.formatted(decimals: 1)) times its pixels in"
                  + " overlapping tiles under this service's tiling, more than the bound of \(bound.formatted(decimals: 1))",
              rejectionReason: "tiling_overhead")
    }

    static func computeTimeout(seconds: Double, stopped: RunStopped) -> ProblemDetails {
        .init(kind: "compute-timeout", title: "Gateway Timeout", status: 504,
              detail: "the job ran past the compute limit of \(seconds.formatted(decimals: 3)) s and was stopped after"
                  + " \(stopped.completedTiles) of \(stopped.tileCount) tiles; send a smaller image")
    }

    static func clientGone() -> ProblemDetails {
        .badRequest("the client closed the connection", kind: "client-gone")
    }

    /// Decoding failures as the client should see them.
    static func forImage(_ error: ImageError) -> ProblemDetails {
        switch error {
        case let .tooLarge(width, height, limit): .tooManyPixels(width: width, height: height, limit: limit)
        case .unsupportedFormat: .notAnImage(declared: nil)
        case .empty, .corrupt, .resourceLimit, .invalidQuality, .unencodable: .corruptImage(error.description)
        }
    }

    /// A failed step of the upscale flow: the client's image, or (encoding what the network made) ours.
    static func forFlow(_ failure: UpscaleFlow.Failure, picture: String = "upscaled image") -> ProblemDetails {
        switch failure {
        case .decode(let error): .forImage(error)
        case let .unwritable(format, width, height, _): .tooLargeForFormat(width: width, height: height, format: format, picture: picture)
        case let .tilingOverhead(width, height, overhead, bound): .tilingOverhead(width: width, height: height, overhead: overhead, bound: bound)
        case let .stopped(.deadline(seconds), stop): .computeTimeout(seconds: seconds, stopped: stop)
        case .stopped(.clientGone, _): .clientGone()
        case .encode(let error): .internalError("the result could not be encoded: \(error)")
        }
    }

    static func notAcceptable(_ accept: String) -> ProblemDetails {
        .init(kind: "not-acceptable", title: "Not Acceptable", status: 406,
              detail: "Accept: \(accept) allows none of image/png, image/jpeg and image/webp")
    }

    static func queueFull(capacity: Int, retryAfter: Int) -> ProblemDetails {
        .init(kind: "queue-full", title: "Service Unavailable", status: 503,
              detail: "all workers are busy and the queue of \(capacity) jobs is full; retry in \(retryAfter) s",
              headers: ["Retry-After": "\(retryAfter)"], rejectionReason: "queue_full")
    }

    static func queueTimeout(seconds: Double) -> ProblemDetails {
        .init(kind: "queue-timeout", title: "Gateway Timeout", status: 504,
              detail: "the job waited longer than the request timeout of \(seconds.formatted(decimals: 3)) s for a worker",
              rejectionReason: "queue_timeout")
    }

    static func notReady(retryAfter: Int) -> ProblemDetails {
        .init(kind: "not-ready", title: "Service Unavailable", status: 503,
              detail: "the models are still loading and warming up; retry in \(retryAfter) s",
              headers: ["Retry-After": "\(retryAfter)"])
    }

    static func draining() -> ProblemDetails {
        .init(kind: "draining", title: "Service Unavailable", status: 503,
              detail: "the service is shutting down and takes no new work")
    }

    static func internalError(_ detail: String) -> ProblemDetails {
        .init(kind: "internal", title: "Internal Server Error", status: 500, detail: detail)
    }

    /// The HTTP server's own refusals (framing, limits, timeouts), in the same format.
    static func protocolRejection(status: Int, reason: String, maxBodyBytes: Int) -> ProblemDetails {
        if status == 413 { return .contentTooLarge(limit: maxBodyBytes) }
        let kind = switch status {
        case 408: "request-timeout"
        case 414: "uri-too-long"
        case 431: "headers-too-large"
        case 501: "not-implemented"
        case 503: "too-many-connections"
        case 505: "version-not-supported"
        default: "malformed-request"
        }
        return .init(kind: kind, title: HTTPStatus.reasonPhrase(for: status), status: status, detail: reason)
    }
}

extension Double {
    /// Fixed-point text without Foundation's locale-dependent formatting.
    func formatted(decimals: Int) -> String {
        String(format: "%.\(decimals)f", self)
    }
}
