import Foundation

/// A fixed set of threads that take jobs from a `JobQueue` and run them one at a time each. Plain
/// threads rather than Dispatch or tasks: a job is seconds of CPU-bound work, and a worker that
/// blocks in it must not hold up a shared pool's other work.
final class WorkerPool<Job: QueuedJob>: Sendable {
    let count: Int
    private let finished: DispatchGroup

    /// Starts `count` workers. `run` is called on a worker thread for each job taken; `busy` gets
    /// +1 before and -1 after each run.
    init(count: Int, queue: JobQueue<Job>, name: String = "smsr-worker",
         busy: @escaping @Sendable (Int) -> Void, run: @escaping @Sendable (Job) -> Void) {
        precondition(count >= 1, "a pool has at least one worker")
        let finished = DispatchGroup()
        var threads: [Thread] = []
        for index in 0..<count {
            finished.enter()
            let thread = Thread {
                WorkerPriority.lowerCurrentThread()
                while let job = queue.take() {
                    busy(1)
                    run(job)
                    busy(-1)
                }
                finished.leave()
            }
            thread.name = "\(name)-\(index)"
            // The network keeps its tensors on the heap; a roomy stack is for the codecs' C code.
            thread.stackSize = 8 << 20
            threads.append(thread)
        }
        self.count = count
        self.finished = finished
        for thread in threads { thread.start() }
    }

    /// Waits for every worker to exit (after the queue is closed and drained); false on timeout.
    func join(timeout: Duration) -> Bool {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        return finished.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success
    }
}
