import ArgumentParser
import Foundation
import UpscaleService

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP upscaling service.",
        discussion: """
            Every option can also be set by an environment variable: SMSR_ and the option's name in capitals \
            with underscores (SMSR_PORT, SMSR_QUEUE_CAPACITY, SMSR_MODEL with comma-separated paths). A flag wins \
            over its variable. SIGTERM or SIGINT stops accepting, turns /readyz to 503, lets in-flight requests \
            finish within --drain-timeout, and exits 0. Without --model every model built into the binary is \
            served. A setting that cannot be used exits 78, a model that cannot be read 66 or 65, an address \
            that cannot be listened on 69.
            """)

    @Option(help: "Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).")
    var host: String?

    @Option(help: "Port to listen on (default 8080; 0 picks a free one).")
    var port: Int?

    @Option(name: .customLong("model"),
            help: "A safetensors weight file, or embedded:xN; repeat for several scales (default: every embedded model).")
    var models: [String] = []

    @Option(help: "The scale used when a request names none (default: x2 if loaded, else the first model).")
    var scale: Int?

    @Option(help: "Jobs run at once (default: cores / threads-per-job).")
    var workers: Int?

    @Option(help: "Threads inside one job (default: cores / workers, at least 1).")
    var threadsPerJob: Int?

    @Option(help: "Jobs that may wait for a worker before new ones get 503 (default 16).")
    var queueCapacity: Int?

    @Option(help: "Longest wait in the queue before 504, in seconds or with ms/s (default 30).")
    var requestTimeout: String?

    @Option(help: "Time in-flight requests get to finish at shutdown, in seconds or with ms/s (default 30).")
    var drainTimeout: String?

    @Option(help: "Largest request body in bytes (default 33554432).")
    var maxBodyBytes: Int?

    @Option(help: "Largest image in pixels, checked from its header before decoding (default 4194304).")
    var maxPixels: Int?

    @Option(help: ArgumentHelp("Longest a job may compute once a worker takes it, in seconds or with ms/s; checked between tiles, "
        + "answered 504 (default 100 s per megapixel of --max-pixels, at least 30 s: 420 s at the default).",
        valueName: "duration"))
    var maxComputeSeconds: String?

    @Option(help: "File of API keys, one per line; requests then need Authorization: Bearer <key>.")
    var apiKeysFile: String?

    @Option(help: "Serve /metrics on this port instead of the API port.")
    var metricsPort: Int?

    @Option(help: "Serve cleartext HTTP/2 (h2c: prior knowledge or Upgrade) on the same port: on or off (default on).")
    var http2: String?

    @Option(help: "Log lines as text or json (default text).")
    var logFormat: String?

    @Option(help: "Lowest log level written: trace, debug, info, notice, warning, error, critical (default info).")
    var logLevel: String?

    func run() throws {
        try reporting { () throws(CommandFailure) in
            var flags: [ConfigurationSources.Key: String] = [:]
            flags[.host] = host
            flags[.port] = port.map(String.init)
            flags[.model] = models.isEmpty ? nil : models.joined(separator: "\n")
            flags[.scale] = scale.map(String.init)
            flags[.workers] = workers.map(String.init)
            flags[.threadsPerJob] = threadsPerJob.map(String.init)
            flags[.queueCapacity] = queueCapacity.map(String.init)
            flags[.requestTimeout] = requestTimeout
            flags[.drainTimeout] = drainTimeout
            flags[.maxBodyBytes] = maxBodyBytes.map(String.init)
            flags[.maxPixels] = maxPixels.map(String.init)
            flags[.maxComputeSeconds] = maxComputeSeconds
            flags[.apiKeysFile] = apiKeysFile
            flags[.metricsPort] = metricsPort.map(String.init)
            flags[.http2] = http2
            flags[.logFormat] = logFormat
            flags[.logLevel] = logLevel
            let sources = ConfigurationSources(flags: flags, environment: ProcessInfo.processInfo.environment)

            let configuration: ServiceConfiguration
            let defaultScale: Int?
            do throws(ConfigurationSources.Failure) {
                configuration = try sources.serviceConfiguration()
                defaultScale = try sources.integer(.scale, in: 1...16)
            } catch {
                throw .configuration(error)
            }
            let catalog: ModelCatalog
            do throws(ModelLoadingError) {
                catalog = try ModelCatalog.load(paths: sources.modelPaths, defaultScale: defaultScale)
            } catch {
                throw .model(error)
            }

            let logger = ServiceLogging.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
            if !sources.unknownVariables.isEmpty {
                logger.warning("unknown SMSR_ variables ignored", metadata: ["variables": "\(sources.unknownVariables.joined(separator: ","))"])
            }
            let service = UpscaleService(configuration: configuration, catalog: catalog, logger: logger)
            do throws(UpscaleService.StartError) {
                try service.runUntilTerminated()
            } catch {
                throw CommandFailure("cannot listen on \(configuration.host):\(configuration.port): \(error.reason)", .unavailable)
            }
        }
    }
}
