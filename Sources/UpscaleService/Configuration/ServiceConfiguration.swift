import Foundation
import Logging
import SMSR

/// Everything `smsr serve` can be told, with production defaults.
public struct ServiceConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// When set, `/metrics` moves to a listener of its own on this port (0 picks one).
    public var metricsPort: Int?
    public var workers = 1
    public var threadsPerJob = 1
    public var queueCapacity = 16
    /// How long a job may wait in the queue before the request is answered 504.
    public var requestTimeout: Duration = .seconds(30)
    /// How long in-flight requests get to finish once shutdown starts.
    public var drainTimeout: Duration = .seconds(30)
    public var maxBodyBytes = 32 << 20
    /// Checked from the image header before any pixel is decoded.
    public var maxPixels = 4 << 20
    /// How long a job may compute once a worker has taken it; nil: `defaultComputeSeconds` of `maxPixels`.
    /// Checked between tiles, so a job overruns it by at most one tile.
    public var maxComputeSeconds: Double?
    /// How long the workers stay idle before the memory of finished jobs goes back to the system.
    public var memoryReleaseDelay: Duration = .seconds(2)
    /// Nil serves without authorization.
    public var apiKeys: APIKeys?
    /// Where the keys came from, for the start-up log (never the keys themselves).
    public var apiKeysFile: String?
    public var logFormat = LogFormat.text
    public var logLevel = Logger.Level.info
    /// `Retry-After` seconds sent with 503s.
    public var retryAfterSeconds = 1
    /// Cleartext HTTP/2 (prior knowledge and `Upgrade: h2c`) on the API port beside HTTP/1.1.
    public var http2 = true
    /// The kernels and tiling every job runs with.
    public var engine = EngineSettings()

    public init() {}

    /// How each job runs the network: its share of the CPU budget (`threadsPerJob`), so workers x
    /// threads-per-job stays within the cores, and the engine settings.
    public var inferenceOptions: InferenceOptions { engine.inferenceOptions(threads: threadsPerJob) }

    /// The compute limit when none is set: `computeSecondsPerMegapixel` for each megapixel of `maxPixels`,
    /// at least 30 s.
    public static func defaultComputeSeconds(maxPixels: Int) -> Double {
        max(30, (Double(maxPixels) / 1_000_000 * computeSecondsPerMegapixel).rounded(.up))
    }

    /// Seconds per megapixel of the default compute limit: several times what one thread takes on an image
    /// whose masks save nothing (see README).
    public static let computeSecondsPerMegapixel = 100.0

    /// The compute limit in force.
    public var computeLimit: Duration {
        .milliseconds(Int64((maxComputeSeconds ?? Self.defaultComputeSeconds(maxPixels: maxPixels)) * 1000))
    }

    /// The effective settings for the start-up log line: no secrets, only how many keys there are.
    public var loggedSettings: Logger.Metadata {
        [
            "host": "\(host)", "port": "\(port)", "metrics_port": "\(metricsPort.map(String.init) ?? "same")",
            "workers": "\(workers)", "threads_per_job": "\(threadsPerJob)", "queue_capacity": "\(queueCapacity)",
            "request_timeout_s": "\(requestTimeout.seconds.formatted(decimals: 3))",
            "drain_timeout_s": "\(drainTimeout.seconds.formatted(decimals: 3))",
            "max_body_bytes": "\(maxBodyBytes)", "max_pixels": "\(maxPixels)",
            "max_compute_s": "\(computeLimit.seconds.formatted(decimals: 3))",
            "api_keys": "\(apiKeys.map { "\($0.count) from \(apiKeysFile ?? "configuration")" } ?? "off")",
            "log_format": "\(logFormat.rawValue)", "log_level": "\(logLevel.rawValue)",
            "http2": "\(http2 ? "on" : "off")",
            "kernels": "\(engine.kernels ?? "widest")", "tile": "\(engine.tileSize.map(String.init) ?? "automatic")",
        ]
    }
}

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's plain text lines.
    case text
    /// One JSON object per line, for log collectors.
    case json
}

extension Duration {
    var seconds: Double { Double(wholeNanoseconds) / 1e9 }
}
