import HTTPServer

/// The service's resources. The raw value is the route template used as the `route` metric label
/// and in log lines, so a flood of odd paths cannot mint new metric series.
public enum Route: String, Sendable, CaseIterable {
    case demoPage = "/"
    case openAPI = "/openapi.json"
    case healthz = "/healthz"
    case readyz = "/readyz"
    case metrics = "/metrics"
    case models = "/v1/models"
    case upscale = "/v1/upscale"
    case analyze = "/v1/analyze"
    case masks = "/v1/masks"

    /// The label for requests that matched no route.
    public static let unmatchedLabel = "unmatched"

    public var template: String { rawValue }

    var method: HTTPMethod {
        switch self {
        case .upscale, .analyze, .masks: .post
        case .demoPage, .openAPI, .healthz, .readyz, .metrics, .models: .get
        }
    }

    /// Routes whose body is an image to run through the network.
    var takesImage: Bool { method == .post }

    /// Probes stay reachable without an API key, so orchestrators need no secret; the demo page and
    /// the API description are static and hold none.
    var needsAuthorization: Bool {
        switch self {
        case .healthz, .readyz, .demoPage, .openAPI: false
        case .metrics, .models, .upscale, .analyze, .masks: true
        }
    }
}
