import Foundation
import Testing
import FuzzTargets

/// Every fuzz target's seed corpus and kept crash inputs, run through the target as the fuzzer
/// runs them: a crash input that is fixed stays fixed, and each target's checks (the same outcome
/// whole or in pieces, pixel counts that match the header) hold for the seeds.
@Suite("Fuzz corpora replayed")
struct FuzzReplayTests {
    static let fuzzRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ folder: String, _ target: FuzzTarget) -> [URL] {
        let url = fuzzRoot.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.map { url.appendingPathComponent($0) }
    }

    @Test("the seed corpus runs through the target", arguments: FuzzTarget.allCases)
    func corpus(_ target: FuzzTarget) throws {
        let seeds = Self.inputs("corpus", target)
        #expect(seeds.count >= 3, "Fuzz/corpus/\(target.rawValue) holds the target's seeds")
        var taken = 0
        for url in seeds where target.run(Array(try Data(contentsOf: url))) { taken += 1 }
        // Seeds are meant to reach deep: most are well-formed input that goes all the way.
        #expect(taken * 2 >= seeds.count, "\(taken) of \(seeds.count) seeds taken in full")
    }

    @Test("inputs that once crashed a target run through it", arguments: FuzzTarget.allCases)
    func regressions(_ target: FuzzTarget) throws {
        for url in Self.inputs("regressions", target) {
            target.run(Array(try Data(contentsOf: url)))
        }
    }
}
