import HTTPServer

/// Which routes a listener serves, and what a method and path resolve to there. Paths match exactly;
/// a GET route also answers HEAD.
struct RouteTable: Sendable {
    enum Match: Equatable {
        case route(Route)
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    let routes: [Route]

    init(_ routes: [Route]) { self.routes = routes }

    func match(method: HTTPMethod, path: String) -> Match {
        let candidates = routes.filter { $0.template == path }
        guard !candidates.isEmpty else { return .notFound }
        if let route = candidates.first(where: { $0.method == method || ($0.method == .get && method == .head) }) {
            return .route(route)
        }
        var allowed = candidates.map(\.method)
        if allowed.contains(.get) { allowed.append(.head) }
        return .methodNotAllowed(allowed: allowed)
    }

    /// The metric label for a finished request: its route template, or `unmatched`.
    func label(method: String, path: String) -> String {
        let known = HTTPMethod(rawValue: method) ?? .get
        if case .route(let route) = match(method: known, path: path) { return route.template }
        return routes.contains { $0.template == path } ? path : Route.unmatchedLabel
    }
}
