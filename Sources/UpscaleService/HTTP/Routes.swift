import HTTPServer
import Imaging
import SMSR

/// What each route answers, one function a route. An image route validates the request (query,
/// headers, the image's header), answers `304` when the client already holds the result, hands the
/// decode-upscale-encode flow to the workers and awaits it, then formats the report and image.
struct Routes: Sendable {
    let catalog: ModelCatalog
    let configuration: ServiceConfiguration
    let metrics: ServiceMetrics
    let readiness: Readiness
    let jobs: JobRunner
    /// How every job runs the network: the CPU budget's threads, the engine settings read at start.
    let inference: InferenceOptions

    func respond(to request: Request, route: Route, context: RequestContext) async throws(ProblemDetails) -> Response {
        switch route {
        case .demoPage: DemoPage.response(requestID: context.requestID)
        case .openAPI: OpenAPIDocument.response(requestID: context.requestID)
        case .healthz: JSONBody.response(["status": "ok"], requestID: context.requestID)
        case .readyz: try readyz(context)
        case .metrics: metricsExposition(context)
        case .models: JSONBody.response(catalog.listing, requestID: context.requestID)
        case .upscale: try await upscale(request, context)
        case .analyze: try await analyze(request, context)
        case .masks: try await masks(request, context)
        }
    }

    /// `POST /v1/upscale`: the upscaled image, with the report in its headers.
    func upscale(_ request: Request, _ context: RequestContext) async throws(ProblemDetails) -> Response {
        let image = try ImageRequest(request, route: .upscale, catalog: catalog, maxPixels: configuration.maxPixels)
        let caching = caching(image.entityTag(.upscale), negotiated: image.parameters.format == nil)
        if caching.isNotModified(request) { return caching.notModified(context) }
        let outcome = try await run("upscale", image, request, context, output: .upscaled) { flow, limit, stopwatch throws(UpscaleFlow.Failure) in
            try flow.run(image.upload.bytes, encoding: image.encoding, limit: limit, stopwatch: &stopwatch)
        }
        return imageResponse(outcome, caching: caching, context)
    }

    /// `POST /v1/analyze`: the same work, nothing encoded; the report as JSON.
    func analyze(_ request: Request, _ context: RequestContext) async throws(ProblemDetails) -> Response {
        let image = try ImageRequest(request, route: .analyze, catalog: catalog, maxPixels: configuration.maxPixels)
        let outcome = try await run("analyze", image, request, context, output: nil) { flow, limit, stopwatch throws(UpscaleFlow.Failure) in
            try flow.run(image.upload.bytes, encoding: nil, limit: limit, stopwatch: &stopwatch)
        }
        metrics.inferenceFinished(outcome)
        let report = outcome.report(totalMilliseconds: context.elapsedMilliseconds)
        var response = JSONBody.response(report, requestID: context.requestID)
        for (name, value) in report.headers { response.headers.add(name: name, value: value) }
        return response
    }

    /// `POST /v1/masks`: a PNG of where the network computed, drawn over the input.
    func masks(_ request: Request, _ context: RequestContext) async throws(ProblemDetails) -> Response {
        let image = try ImageRequest(request, route: .masks, catalog: catalog, maxPixels: configuration.maxPixels)
        let caching = caching(image.entityTag(.masks), negotiated: false)
        if caching.isNotModified(request) { return caching.notModified(context) }
        let blocks = image.model.network.channelSplits.count
        let size: @Sendable (Int, Int) -> (width: Int, height: Int) = { MaskPicture.size(width: $0, height: $1, blocks: blocks) }
        let outcome = try await run("masks", image, request, context, output: .picture(size)) { flow, limit, stopwatch throws(UpscaleFlow.Failure) in
            try flow.run(image.upload.bytes, encoding: OutputEncoding(format: .png), limit: limit, stopwatch: &stopwatch,
                         pictureSize: size) { input, _, inference in
                MaskPicture(input: input, masks: inference.masks).render()
            }
        }
        return imageResponse(outcome, caching: caching, context)
    }

    /// `GET /readyz`: 200 with the scales served once warmed up, else the reason as a 503.
    func readyz(_ context: RequestContext) throws(ProblemDetails) -> Response {
        switch readiness.state {
        case .ready: return JSONBody.response(ReadyStatus(status: "ready", scales: catalog.scales), requestID: context.requestID)
        case .starting: throw .notReady(retryAfter: configuration.retryAfterSeconds)
        case .draining: throw .draining()
        }
    }

    func metricsExposition(_ context: RequestContext) -> Response {
        Response(status: 200, headers: ["Content-Type": ServiceMetrics.contentType, RequestID.header: context.requestID],
                 body: metrics.exposition())
    }

    // MARK: shared by the image routes

    /// What an image route encodes: the upscaled image in the negotiated format, or a PNG picture of this size.
    enum Output {
        case upscaled
        case picture(@Sendable (_ width: Int, _ height: Int) -> (width: Int, height: Int))

        /// What the flow checks the encoder's limits against.
        func encoded(by flow: UpscaleFlow, as encoding: OutputEncoding) -> UpscaleFlow.Output {
            switch self {
            case .upscaled: UpscaleFlow.Output(format: encoding.format, size: { flow.upscaledSize($0, $1) })
            case .picture(let size): UpscaleFlow.Output(format: .png, size: size)
            }
        }

        /// How a refusal names it.
        var name: String {
            switch self {
            case .upscaled: "upscaled image"
            case .picture: "mask picture"
            }
        }
    }

    /// Admits the job from the image's header (before it waits for a worker), then runs `work` with the
    /// request's model on a worker and awaits it; the flow's failures become answers.
    private func run(
        _ kind: String, _ image: ImageRequest, _ request: Request, _ context: RequestContext, output: Output?,
        _ work: @escaping @Sendable (UpscaleFlow, ComputeLimit, inout Stopwatch) throws(UpscaleFlow.Failure) -> UpscaleOutcome
    ) async throws(ProblemDetails) -> UpscaleOutcome {
        let flow = UpscaleFlow(model: image.model, options: inference, maxPixels: configuration.maxPixels)
        let picture = output?.name ?? ""
        do throws(UpscaleFlow.Failure) {
            try flow.admit(image.header, output: output?.encoded(by: flow, as: image.encoding))
        } catch {
            throw .forFlow(error, picture: picture)
        }
        return try await jobs.run(kind, requestID: context.requestID, connection: request.connection) { limit, stopwatch throws(ProblemDetails) in
            do throws(UpscaleFlow.Failure) {
                return try work(flow, limit, &stopwatch)
            } catch {
                throw .forFlow(error, picture: picture)
            }
        }
    }

    private func caching(_ tag: EntityTag, negotiated: Bool) -> ResponseCaching {
        ResponseCaching(tag: tag, varyByAccept: negotiated, shared: configuration.apiKeys == nil)
    }

    private func imageResponse(_ outcome: UpscaleOutcome, caching: ResponseCaching, _ context: RequestContext) -> Response {
        metrics.inferenceFinished(outcome)
        let report = outcome.report(totalMilliseconds: context.elapsedMilliseconds)
        var headers = report.headers
        headers.add(name: "Content-Type", value: outcome.format.mimeType)
        for (name, value) in caching.headers { headers.add(name: name, value: value) }
        headers.add(name: RequestID.header, value: context.requestID)
        return Response(status: 200, headers: headers, body: outcome.encoded)
    }
}

/// What a route knows of its request beyond the request itself.
struct RequestContext: Sendable {
    let requestID: String
    /// Uptime nanoseconds when the handler got the request (body read).
    let receivedAt: UInt64

    var elapsedMilliseconds: Double { Double(Stopwatch.now() &- receivedAt) / 1e6 }
}

/// `GET /readyz` when ready.
struct ReadyStatus: Encodable {
    var status: String
    var scales: [Int]
}

extension ServiceMetrics {
    func inferenceFinished(_ outcome: UpscaleOutcome) {
        let ms = outcome.laps.first { $0.name == "infer" }?.milliseconds ?? 0
        inferenceFinished(duration: .nanoseconds(Int64(ms * 1e6)), dense: outcome.inference.work.dense,
                          executed: outcome.inference.work.executed)
    }
}
