import Dispatch
import Foundation

/// What the queue needs to know of a job.
protocol QueuedJob: Sendable {
    var id: UInt64 { get }
    /// Uptime nanoseconds after which the job may no longer start.
    var deadline: UInt64 { get }
}

/// A bounded first-in first-out queue between the HTTP handlers and the workers. A job leaves it
/// exactly once: taken by a worker, expired at its deadline (handed to `onExpired`), or removed
/// (its client went away), so exactly one party answers it.
final class JobQueue<Job: QueuedJob>: @unchecked Sendable {
    enum Submission {
        case accepted(depth: Int)
        case full
        case closed
    }

    let capacity: Int
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [Job] = []
    private var head = 0
    private var closed = false
    private var timerDeadline = UInt64.max

    private let timerQueue = DispatchQueue(label: "smsr.jobqueue.deadlines")
    private let timer: DispatchSourceTimer
    private let onExpired: @Sendable (Job) -> Void
    private let onDepthChange: @Sendable (Int) -> Void

    /// `onExpired` runs on a private queue for each job whose deadline passed while it waited.
    /// `onDepthChange` runs under the queue's lock after every change, so depths arrive in order:
    /// it must be quick and must not call back into the queue.
    init(capacity: Int, onExpired: @escaping @Sendable (Job) -> Void,
         onDepthChange: @escaping @Sendable (Int) -> Void = { _ in }) {
        precondition(capacity >= 1, "a queue holds at least one job")
        self.capacity = capacity
        self.onExpired = onExpired
        self.onDepthChange = onDepthChange
        timer = DispatchSource.makeTimerSource(queue: timerQueue)
        timer.setEventHandler { [weak self] in self?.expireDue() }
        timer.schedule(deadline: .distantFuture)
        timer.activate()
    }

    deinit { timer.cancel() }

    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count - head
    }

    func submit(_ job: Job) -> Submission {
        condition.lock()
        if closed {
            condition.unlock()
            return .closed
        }
        guard jobs.count - head < capacity else {
            condition.unlock()
            return .full
        }
        jobs.append(job)
        let depth = jobs.count - head
        armTimer()
        onDepthChange(depth)
        condition.signal()
        condition.unlock()
        return .accepted(depth: depth)
    }

    /// Blocks until a job is available; nil once the queue is closed and empty.
    func take() -> Job? {
        condition.lock()
        while head == jobs.count, !closed { condition.wait() }
        guard head < jobs.count else {
            condition.unlock()
            return nil
        }
        let job = popFront()
        armTimer()
        onDepthChange(jobs.count - head)
        condition.unlock()
        return job
    }

    /// Takes the job out if it is still waiting; nil when a worker or the deadline got it first.
    func remove(id: UInt64) -> Job? {
        condition.lock()
        guard let index = jobs[head...].firstIndex(where: { $0.id == id }) else {
            condition.unlock()
            return nil
        }
        let job = jobs.remove(at: index)
        armTimer()
        onDepthChange(jobs.count - head)
        condition.unlock()
        return job
    }

    /// Refuses new jobs; workers finish what is queued, then `take` returns nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: deadlines

    private func popFront() -> Job {
        let job = jobs[head]
        head += 1
        // Compact now and then so the array does not grow with every job ever queued.
        if head > 64, head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    /// Keeps the one timer set for the earliest deadline waiting. Called with the lock held.
    private func armTimer() {
        let earliest = jobs[head...].map(\.deadline).min() ?? .max
        guard earliest != timerDeadline else { return }
        timerDeadline = earliest
        timer.schedule(deadline: earliest == .max ? .distantFuture : DispatchTime(uptimeNanoseconds: earliest),
                       leeway: .milliseconds(1))
    }

    private func expireDue() {
        let now = DispatchTime.now().uptimeNanoseconds
        condition.lock()
        let expired = jobs[head...].filter { $0.deadline <= now }
        if !expired.isEmpty {
            jobs = Array(jobs[head...].filter { $0.deadline > now })
            head = 0
        }
        timerDeadline = .max
        armTimer()
        if !expired.isEmpty { onDepthChange(jobs.count) }
        condition.unlock()
        for job in expired { onExpired(job) }
    }
}
