import Foundation

/// The output-row stripes of one sparse mask block run, shared by the team's threads. A thread takes a stripe not
/// yet started; when none is left, it takes the far half of the rows still ahead in the stripe with the most of them.
///
/// Stripes of equal estimated work do not finish together: the estimate is rough, and on a shared machine one core
/// can run markedly slower than the other for seconds (measured per stripe: wall time equal to the thread's CPU time,
/// so not preemption). Splitting costs the new stripe the few layer rows above it that it recomputes.
final class StripeSchedule: @unchecked Sendable {
    private struct Stripe {
        let start: Int
        var end: Int
        /// The rows before this one are being or have been written by the stripe's thread.
        var next: Int
        var started: Bool
    }

    private let lock = NSLock()
    private var stripes: [Stripe]
    private let shortest: Int

    /// `initial` cover the rows in order; a split leaves both parts at least `shortest` rows.
    init(initial: [Range<Int>], shortest: Int) {
        stripes = initial.map { Stripe(start: $0.lowerBound, end: $0.upperBound, next: $0.lowerBound, started: false) }
        self.shortest = max(1, shortest)
    }

    /// A stripe to run: one not started yet, or the far half of the most rows left in any; nil when no stripe has
    /// enough rows left to split.
    func take() -> (index: Int, rows: Range<Int>)? {
        lock.lock()
        defer { lock.unlock() }
        if let index = stripes.firstIndex(where: { !$0.started }) {
            stripes[index].started = true
            return (index, stripes[index].start..<stripes[index].end)
        }
        guard let victim = stripes.indices.max(by: { left(stripes[$0]) < left(stripes[$1]) }),
              left(stripes[victim]) >= 2 * shortest else { return nil }
        let end = stripes[victim].end
        let start = end - left(stripes[victim]) / 2
        stripes[victim].end = start
        stripes.append(Stripe(start: start, end: end, next: start, started: true))
        return (stripes.count - 1, start..<end)
    }

    /// The end of stripe `index` now, its thread being about to write row `row` (the stripe's thread asks before each
    /// row it writes): only rows after it may be handed to another thread from now on.
    func end(of index: Int, writing row: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        stripes[index].next = max(stripes[index].next, row + 1)
        return stripes[index].end
    }

    private func left(_ stripe: Stripe) -> Int { stripe.end - stripe.next }
}
