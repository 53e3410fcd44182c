import Foundation
import Testing
import TestSupport
@testable import UpscaleService

/// Jobs run below the threads that serve HTTP, so a full pool cannot starve `/healthz` or the 503s.
@Suite struct WorkerPriorityTests {
    struct Job: QueuedJob {
        let id: UInt64
        let deadline: UInt64
    }

    #if os(Linux)
    @Test func workerThreadsRunAtALowerPriorityThanTheThreadsAroundThem() throws {
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        let here = getpriority(which, 0)
        let seen = Recorder<Int32>()
        let ran = Counter()
        let queue = JobQueue<Job>(capacity: 4, onExpired: { _ in })
        let pool = WorkerPool(count: 2, queue: queue, busy: { _ in }) { _ in
            seen.append(getpriority(which, 0))
            ran.increment()
        }
        for id in 1...2 { _ = queue.submit(Job(id: UInt64(id), deadline: .max)) }
        #expect(ran.wait(atLeast: 2, seconds: 30))
        queue.close()
        #expect(pool.join(timeout: .seconds(30)))
        #expect(seen.all == Array(repeating: min(19, here + WorkerPriority.niceIncrement), count: 2))
        #expect(getpriority(which, 0) == here, "the thread that made the pool keeps its priority")
    }
    #endif
}
