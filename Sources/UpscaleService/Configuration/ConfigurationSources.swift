import Foundation
import Logging
import SMSR

/// Builds a `ServiceConfiguration` from command-line flags and `SMSR_*` environment variables. A
/// flag wins over the variable of the same setting; an unusable value names where it came from.
public struct ConfigurationSources: Sendable {
    /// The settings, each with its flag and its variable (`--queue-capacity`, `SMSR_QUEUE_CAPACITY`).
    public enum Key: String, Sendable, CaseIterable {
        case host, port, metricsPort = "metrics-port", workers, threadsPerJob = "threads-per-job"
        case queueCapacity = "queue-capacity", requestTimeout = "request-timeout", drainTimeout = "drain-timeout"
        case maxBodyBytes = "max-body-bytes", maxPixels = "max-pixels", maxComputeSeconds = "max-compute-seconds"
        case apiKeysFile = "api-keys-file"
        case logFormat = "log-format", logLevel = "log-level", model, scale, http2

        public var flag: String { "--\(rawValue)" }
        public var environmentVariable: String { "SMSR_" + rawValue.uppercased().replacingOccurrences(of: "-", with: "_") }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public let flags: [Key: String]
    public let environment: [String: String]

    /// `environment` is the process's, read once where it starts.
    public init(flags: [Key: String], environment: [String: String]) {
        self.flags = flags
        self.environment = environment
    }

    /// The value for `key` and where it came from.
    public func value(_ key: Key) -> (text: String, source: String)? {
        if let text = flags[key] { return (text, key.flag) }
        if let text = environment[key.environmentVariable], !text.isEmpty { return (text, key.environmentVariable) }
        return nil
    }

    /// Variables that are no setting of `smsr serve`: the engine's (read into `EngineSettings`) and the
    /// build's target CPU (read by Package.swift).
    public static let otherVariables: Set<String> = [EngineSettings.kernelsVariable, EngineSettings.tileVariable, "SMSR_TARGET_CPU"]

    /// `SMSR_*` variables that no setting reads (a misspelt `SMSR_WORKER` would otherwise be silently ignored).
    public var unknownVariables: [String] {
        let known = Set(Key.allCases.map(\.environmentVariable)).union(Self.otherVariables)
        return environment.keys.filter { $0.hasPrefix("SMSR_") && !known.contains($0) }.sorted()
    }

    /// Models, each a weight file or `embedded:xN`: repeated `--model` flags arrive joined by
    /// newlines; `SMSR_MODEL` separates them with commas.
    public var modelPaths: [String] {
        guard let (text, source) = value(.model) else { return [] }
        let separator: Character = source == Key.model.flag ? "\n" : ","
        return text.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public func integer(_ key: Key, in range: ClosedRange<Int>) throws(Failure) -> Int? {
        guard let (text, source) = value(key) else { return nil }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw Failure(description: "\(source) must be an integer from \(range.lowerBound) to \(range.upperBound), not \(text)")
        }
        return number
    }

    /// Seconds as a number (`30`, `0.5`) or with a unit (`30s`, `500ms`).
    public func duration(_ key: Key) throws(Failure) -> Duration? {
        guard let (text, source) = value(key) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        var number = Substring(trimmed)
        var scale = 1.0
        if number.hasSuffix("ms") {
            number = number.dropLast(2)
            scale = 0.001
        } else if number.hasSuffix("s") {
            number = number.dropLast()
        }
        guard let value = Double(number), value > 0, value * scale <= 86_400 else {
            throw Failure(description: "\(source) must be a positive duration such as 30, 2.5s or 500ms, not \(text)")
        }
        return .nanoseconds(Int64((value * scale * 1e9).rounded()))
    }

    /// The service configuration; `cores` sets the CPU budget's defaults.
    public func serviceConfiguration(cores: Int = CPUAllowance.cores) throws(Failure) -> ServiceConfiguration {
        var c = ServiceConfiguration()
        if let (text, _) = value(.host) { c.host = text }
        if let port = try integer(.port, in: 0...65535) { c.port = port }
        c.metricsPort = try integer(.metricsPort, in: 0...65535)
        let budget = CPUBudget(cores: cores, workers: try integer(.workers, in: 1...1024),
                               threadsPerJob: try integer(.threadsPerJob, in: 1...1024))
        c.workers = budget.workers
        c.threadsPerJob = budget.threadsPerJob
        if let capacity = try integer(.queueCapacity, in: 1...1_000_000) { c.queueCapacity = capacity }
        if let timeout = try duration(.requestTimeout) { c.requestTimeout = timeout }
        if let timeout = try duration(.drainTimeout) { c.drainTimeout = timeout }
        if let bytes = try integer(.maxBodyBytes, in: 1...(1 << 40)) { c.maxBodyBytes = bytes }
        if let pixels = try integer(.maxPixels, in: 1...(1 << 40)) { c.maxPixels = pixels }
        if let limit = try duration(.maxComputeSeconds) { c.maxComputeSeconds = limit.seconds }
        if let (path, source) = value(.apiKeysFile) {
            do {
                c.apiKeys = try APIKeys(contentsOfFile: path)
            } catch {
                throw Failure(description: "\(source): \(error.description)")
            }
            c.apiKeysFile = path
        }
        if let (text, source) = value(.http2) {
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "on", "true", "1": c.http2 = true
            case "off", "false", "0": c.http2 = false
            default: throw Failure(description: "\(source) must be on or off, not \(text)")
            }
        }
        if let (text, source) = value(.logFormat) {
            guard let format = LogFormat(rawValue: text.lowercased()) else {
                throw Failure(description: "\(source) must be text or json, not \(text)")
            }
            c.logFormat = format
        }
        c.engine = try EngineSettings(environment: environment)
        if let (text, source) = value(.logLevel) {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw Failure(description: "\(source) must be one of \(names), not \(text)")
            }
            c.logLevel = level
        }
        return c
    }
}
