import Dispatch
import Imaging
import SMSR

/// Runs one job on the calling (worker) thread: decode, network, then encode the image, draw the
/// masks, or nothing (analyze).
struct JobExecution: Sendable {
    let maxPixels: Int
    let options: InferenceOptions

    func run(_ job: UpscaleJob) throws(ProblemDetails) -> JobResult {
        var clock = JobClock(since: job.queuedAt)
        clock.finish("queue")
        let decoded: DecodedImage
        do {
            decoded = try ImageCodec.decode(job.image, maxPixels: maxPixels)
        } catch {
            throw Self.problem(for: error)
        }
        clock.finish("decode")
        let pipeline = UpscalePipeline(model: job.model, options: options)
        let (output, inference) = pipeline.upscale(decoded.image)
        clock.finish("infer")
        var body: [UInt8] = []
        var format = job.parameters.outputFormat(input: decoded.header.format)
        do {
            switch job.kind {
            case .upscale:
                body = try ImageCodec.encode(output, as: format, quality: job.parameters.quality)
                clock.finish("encode")
            case .masks:
                format = .png
                body = try ImageCodec.encode(MaskPicture(input: decoded.image, masks: inference.masks).render(), as: .png)
                clock.finish("encode")
            case .analyze, .warmUp:
                break
            }
        } catch {
            throw .internalError("the result could not be encoded: \(error)")
        }
        return JobResult(input: decoded.image, output: output, scale: job.model.scale, inference: inference,
                         body: body, format: format, stages: clock.stages)
    }

    /// Decoding failures as the client should see them.
    static func problem(for error: ImageError) -> ProblemDetails {
        switch error {
        case let .tooLarge(width, height, limit): .tooManyPixels(width: width, height: height, limit: limit)
        case .unsupportedFormat: .notAnImage(declared: nil)
        case .empty, .corrupt, .resourceLimit, .invalidQuality, .unencodable: .corruptImage(error.description)
        }
    }
}

/// Wall time per named stage, each `finish` charging the time since the previous one.
struct JobClock {
    private var last: UInt64
    private(set) var stages: [(name: String, ms: Double)] = []

    init(since start: UInt64 = DispatchTime.now().uptimeNanoseconds) { last = start }

    mutating func finish(_ name: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        stages.append((name, Double(now &- last) / 1e6))
        last = now
    }
}
