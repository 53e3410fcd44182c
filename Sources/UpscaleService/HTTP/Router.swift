import HTTPServer
import Logging

/// The service's request handling, shared by its listeners: admission from the head before a body is
/// read, then the matched route's function, its answer (or refusal) logged.
struct Router: Sendable {
    let routes: Routes
    let logger: Logger

    private var configuration: ServiceConfiguration { routes.configuration }
    private var metrics: ServiceMetrics { routes.metrics }

    /// Refuses what can be refused from the head alone, so no body is read (and no `100 Continue`
    /// sent) for a request that would fail anyway.
    func admission(_ table: RouteTable, authorizes: Bool) -> Server.Admission {
        { head in
            let route: Route
            switch table.match(method: head.method, path: head.path) {
            case .notFound: return refusal(.notFound(path: head.path), head: head, route: nil)
            case .methodNotAllowed(let allowed):
                // A known path: logged under its template, as its metrics are.
                return refusal(.methodNotAllowed(head.method, path: head.path, allowed: allowed), head: head, route: nil,
                               label: head.path)
            case .route(let matched): route = matched
            }
            if authorizes, let keys = configuration.apiKeys, route.needsAuthorization {
                let authorization = head.headers["Authorization"]
                if !keys.authorizes(authorization) {
                    return refusal(.unauthorized(presented: authorization != nil), head: head, route: route)
                }
            }
            guard route.takesImage else { return nil }
            switch routes.readiness.state {
            case .starting: return refusal(.notReady(retryAfter: configuration.retryAfterSeconds), head: head, route: route)
            // Draining, the server takes no new request (idle connections closed, HTTP/2 streams past
            // GOAWAY refused), so a head seen now belongs to a request the client began before
            // shutdown, perhaps with its body still arriving: it is served, not refused unread.
            case .ready, .draining: break
            }
            if !ImageUpload.acceptsContentType(head.headers["Content-Type"]) {
                return refusal(.unsupportedMediaType(head.headers["Content-Type"]), head: head, route: route)
            }
            // A cheap early answer; submitting the job makes the binding decision once the body is in.
            if routes.jobs.depth >= routes.jobs.capacity {
                return refusal(.queueFull(capacity: routes.jobs.capacity, retryAfter: configuration.retryAfterSeconds),
                               head: head, route: route)
            }
            return nil
        }
    }

    /// Each request in a task of its own, which awaits the route's answer.
    func handler(_ table: RouteTable) -> Server.Handler {
        { request, respond in
            RequestExecutor.run { respond(await answer(request, table: table)) }
        }
    }

    func answer(_ request: Request, table: RouteTable) async -> Response {
        let context = RequestContext(requestID: RequestID.of(request.head), receivedAt: Stopwatch.now())
        // Admission answers the rest; a listener without it still gets a 404.
        guard case .route(let route) = table.match(method: request.method, path: request.path) else {
            return ProblemDetails.notFound(path: request.path).response(requestID: context.requestID)
        }
        let response: Response
        do throws(ProblemDetails) {
            response = try await routes.respond(to: request, route: route, context: context)
        } catch {
            if route.takesImage, let reason = error.rejectionReason { metrics.imageRejected(reason: reason) }
            response = error.response(requestID: context.requestID)
        }
        var extra: Logger.Metadata = [:]
        if let saved = response.headers["SMSR-FLOPs-Saved"] { extra["flops_saved"] = "\(saved)" }
        logRequest(requestID: context.requestID, method: request.method.rawValue, route: route.template,
                   status: response.status, bytes: response.body.count, since: context.receivedAt, extra: extra)
        return response
    }

    private func refusal(_ problem: ProblemDetails, head: RequestHead, route: Route?, label: String? = nil) -> Response {
        let requestID = RequestID.of(head)
        if let route, route.takesImage, let reason = problem.rejectionReason { metrics.imageRejected(reason: reason) }
        let response = problem.response(requestID: requestID)
        logRequest(requestID: requestID, method: head.method.rawValue, route: route?.template ?? label ?? Route.unmatchedLabel,
                   status: response.status, bytes: response.body.count, since: Stopwatch.now(),
                   extra: ["detail": "\(problem.detail)"])
        return response
    }

    private func logRequest(requestID: String, method: String, route: String, status: Int, bytes: Int, since start: UInt64,
                            extra: Logger.Metadata) {
        let ms = Double(Stopwatch.now() &- start) / 1e6
        var metadata: Logger.Metadata = [
            "request_id": "\(requestID)", "method": "\(method)", "route": "\(route)", "status": "\(status)",
            "bytes": "\(bytes)", "ms": "\(ms.formatted(decimals: 1))",
        ]
        metadata.merge(extra) { $1 }
        logger.info("request", metadata: metadata)
    }
}
