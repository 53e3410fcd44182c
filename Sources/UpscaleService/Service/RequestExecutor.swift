import Dispatch

/// Where the service's own tasks (each request's route, the warm-up) run: on Dispatch's threads,
/// not on Swift's cooperative pool. That pool has a thread a core; code that blocks one (a program
/// embedding the service, a test waiting on a process) would leave requests waiting for a thread
/// though they only await their jobs. The CPU-heavy work runs on the worker pool either way.
final class RequestExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = RequestExecutor()

    private let queue = DispatchQueue(label: "smsr.requests", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    /// Starts `operation` as a task that prefers this executor.
    static func run(_ operation: sending @escaping @isolated(any) () async -> Void) {
        if #available(macOS 15.0, *) {
            Task(executorPreference: shared, operation: operation)
        } else {
            Task(operation: operation)
        }
    }
}
