import Foundation
import Dispatch
import Testing
import TestSupport
@testable import UpscaleService

@Suite struct JobQueueTests {
    struct Job: QueuedJob {
        let id: UInt64
        let deadline: UInt64
    }

    static let far = UInt64.max

    @Test func jobsLeaveInOrderAndTheCapacityHolds() {
        let depths = Recorder<Int>()
        let queue = JobQueue<Job>(capacity: 2, onExpired: { _ in }, onDepthChange: { depths.append($0) })
        guard case .accepted(depth: 1) = queue.submit(Job(id: 1, deadline: Self.far)),
              case .accepted(depth: 2) = queue.submit(Job(id: 2, deadline: Self.far)),
              case .full = queue.submit(Job(id: 3, deadline: Self.far)) else {
            Issue.record("capacity 2 takes two jobs, not three")
            return
        }
        #expect(queue.take()?.id == 1)
        #expect(queue.remove(id: 1) == nil, "a taken job cannot be removed again")
        #expect(queue.remove(id: 2)?.id == 2)
        #expect(queue.depth == 0 && depths.all == [1, 2, 1, 0])
        queue.close()
        #expect(queue.take() == nil)
        guard case .closed = queue.submit(Job(id: 4, deadline: Self.far)) else {
            Issue.record("a closed queue refuses jobs")
            return
        }
    }

    @Test func jobsPastTheirDeadlineExpireExactlyOnce() {
        let expired = Recorder<UInt64>()
        let queue = JobQueue<Job>(capacity: 8, onExpired: { expired.append($0.id) })
        let now = DispatchTime.now().uptimeNanoseconds
        _ = queue.submit(Job(id: 1, deadline: Self.far))
        _ = queue.submit(Job(id: 2, deadline: now + 50_000_000))
        _ = queue.submit(Job(id: 3, deadline: now + 20_000_000))
        // Both, in whichever order: on a loaded machine job 2's deadline can pass before job 3 is even queued.
        #expect(expired.wait(seconds: 10) { $0 == 2 } && expired.wait(seconds: 10) { $0 == 3 })
        #expect(Set(expired.all) == [2, 3] && expired.all.count == 2)
        #expect(queue.depth == 1 && queue.take()?.id == 1)
    }

    @Test func closingLetsWaitingWorkersFinish() {
        let queue = JobQueue<Job>(capacity: 4, onExpired: { _ in })
        let taken = Recorder<UInt64>()
        let busy = Recorder<Int>()
        let pool = WorkerPool<Job>(count: 2, queue: queue, busy: { busy.append($0) }, run: { taken.append($0.id) })
        for id in 1...4 { _ = queue.submit(Job(id: UInt64(id), deadline: Self.far)) }
        queue.close()
        #expect(pool.join(timeout: .seconds(10)))
        #expect(Set(taken.all) == [1, 2, 3, 4] && busy.all.reduce(0, +) == 0)
    }
}
