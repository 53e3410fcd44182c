import Logging

/// The process-wide swift-log setup for `smsr serve`: text or JSON lines on standard error.
public enum ServiceLogging {
    /// Bootstraps swift-log (once per process) and returns the service's logger.
    public static func bootstrap(format: LogFormat, level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = switch format {
            case .json: JSONLogHandler(label: label)
            case .text: StreamLogHandler.standardError(label: label)
            }
            handler.logLevel = level
            return handler
        }
        return Logger(label: "smsr.serve")
    }
}
