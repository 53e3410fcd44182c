import Testing
@testable import SMSR

@Suite struct WorkAccountingTests {
    @Test func denseCountForThePapersSetting() {
        let accounting = SharedData.officialNetwork.accounting
        let work = accounting.count(height: 360, width: 640, maskCounts: [0, 0, 0, 0, 0])
        #expect(work.dense == 223_803_189_760)
        // Even sizes follow the closed form 971368 * P + 2560 for x2.
        #expect(accounting.count(height: 30, width: 42, maskCounts: [0, 0, 0, 0, 0]).dense == 971_368 * 30 * 42 + 2560)
    }

    @Test func executedCountForTheBenchmarkMasks() {
        // The official run's mask counts on bench_640x360_lr.png give exactly its executed count.
        let accounting = SharedData.officialNetwork.accounting
        let work = accounting.count(height: 360, width: 640, maskCounts: [17822, 35629, 82170, 12019, 30465])
        #expect(work.executed == 74_462_751_302)
    }

    @Test func fullMasksExecuteTheDenseNetworkAndEmptyMasksTheLeast() {
        let accounting = SharedData.officialNetwork.accounting
        let p = 20 * 24
        let full = accounting.count(height: 20, width: 24, maskCounts: Array(repeating: p, count: 5))
        #expect(full.executed == full.dense)
        let empty = accounting.count(height: 20, width: 24, maskCounts: Array(repeating: 0, count: 5))
        #expect(empty.executed < full.executed && empty.savedFraction > 0.5)
    }
}
