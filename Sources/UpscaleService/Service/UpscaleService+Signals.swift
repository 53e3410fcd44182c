import Dispatch
import Foundation
import HTTPServer

extension UpscaleService {
    /// Starts the service and blocks until SIGTERM or SIGINT has been received and the graceful
    /// shutdown it starts is complete; for a process that is this service and nothing else. The
    /// signals are watched before the listeners open, so one sent as soon as the port answers is
    /// never lost.
    public func runUntilTerminated() throws(ServerError) {
        // A process inherits its parent's blocked-signal mask across exec (a parent spawning us from
        // a Dispatch worker thread has every signal blocked); a blocked SIGTERM would never arrive.
        var termination = sigset_t()
        sigemptyset(&termination)
        sigaddset(&termination, SIGTERM)
        sigaddset(&termination, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &termination, nil)

        let stopped = DispatchSemaphore(value: 0)
        let logger = self.logger
        let signals = TerminationSignals { [self] signal in
            let name = signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : "\(signal)"
            logger.info("signal received", metadata: ["signal": "\(name)"])
            shutdown { stopped.signal() }
        }
        do {
            try start()
        } catch {
            signals.cancel()
            throw error
        }
        stopped.wait()
        signals.cancel()
    }
}
