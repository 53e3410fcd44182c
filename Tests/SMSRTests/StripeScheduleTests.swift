import Testing
@testable import SMSR

/// The shared stripe list of a block run: stripes not started go first, then the far half of the most rows left.
@Suite struct StripeScheduleTests {
    @Test func unstartedStripesComeFirstInOrder() {
        let schedule = StripeSchedule(initial: [0..<10, 10..<30], shortest: 4)
        #expect(schedule.take()! == (0, 0..<10))
        #expect(schedule.take()! == (1, 10..<30))
    }

    @Test func takesTheFarHalfOfTheMostRowsLeft() {
        let schedule = StripeSchedule(initial: [0..<10, 10..<30], shortest: 4)
        _ = schedule.take()
        _ = schedule.take()
        // Stripe 0 is at row 6 (4 rows left), stripe 1 at row 12 (18 left: 12..<30).
        #expect(schedule.end(of: 0, writing: 5) == 10)
        #expect(schedule.end(of: 1, writing: 11) == 30)
        let split = schedule.take()!
        #expect(split == (2, 21..<30))
        // The owner sees its new end at its next row.
        #expect(schedule.end(of: 1, writing: 12) == 21)
        // Stripe 0 has 4 rows left (6..<10), stripe 1 has 8 (13..<21), the new one 9 (21..<30).
        #expect(schedule.take()! == (3, 26..<30))
        #expect(schedule.end(of: 2, writing: 21) == 26)
    }

    /// Splitting stops where either part would have fewer than `shortest` rows.
    @Test func doesNotSplitShortRemainders() {
        let schedule = StripeSchedule(initial: [0..<7], shortest: 4)
        _ = schedule.take()
        #expect(schedule.take() == nil)
        let longer = StripeSchedule(initial: [0..<8], shortest: 4)
        _ = longer.take()
        #expect(longer.take()! == (1, 4..<8))
        #expect(longer.take() == nil)
    }

    /// Stripes that ran to their end leave nothing to take.
    @Test func finishedStripesLeaveNothing() {
        let schedule = StripeSchedule(initial: [0..<20], shortest: 2)
        _ = schedule.take()
        for row in 0..<20 { #expect(schedule.end(of: 0, writing: row) == 20) }
        #expect(schedule.end(of: 0, writing: 20) == 20)
        #expect(schedule.take() == nil)
    }

    /// Owners stepping row by row in a random interleaving, with takes in between, write every row exactly once.
    @Test(arguments: [1, 2, 5, 9])
    func interleavedOwnersWriteEveryRowOnce(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let height = 200
        let schedule = StripeSchedule(initial: [0..<70, 70..<200], shortest: 3)
        var written = [Int](repeating: 0, count: height)
        // Running stripes: index, next row to write.
        var running: [(index: Int, next: Int)] = []
        while true {
            if running.isEmpty || random.next() % 5 == 0, let (index, rows) = schedule.take() {
                running.append((index, rows.lowerBound))
                continue
            }
            guard !running.isEmpty else { break }
            let k = Int(random.next() % UInt64(running.count))
            let (index, row) = running[k]
            if row < schedule.end(of: index, writing: row) {
                written[row] += 1
                running[k].next += 1
            } else {
                running.remove(at: k)
            }
        }
        #expect(written == [Int](repeating: 1, count: height))
    }
}
