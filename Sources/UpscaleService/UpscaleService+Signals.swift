import Dispatch
import Foundation
import HTTPServer

extension UpscaleService {
    /// Blocks until SIGTERM or SIGINT has been received and the graceful shutdown it starts is
    /// complete; for a process that is this service and nothing else.
    public func runUntilTerminated() {
        let stopped = DispatchSemaphore(value: 0)
        let logger = self.logger
        let signals = TerminationSignals { [self] signal in
            logger.info("signal received", metadata: ["signal": "\(signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : "\(signal)")"])
            shutdown { stopped.signal() }
        }
        stopped.wait()
        signals.cancel()
    }
}
