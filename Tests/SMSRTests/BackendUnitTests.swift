import Testing
@testable import SMSR

/// Each unit of each vector backend against the same unit of the reference backend, on the official weights:
/// odd sizes (a last row and column the mask generator does not cover, stripes and position blocks ending
/// unevenly), one pixel, and empty, full and scattered masks.
@Suite struct BackendUnitTests {
    static let backends: [Backend] = InstructionSet.allCases.compactMap { Backend.vector($0) }
    static let sizes: [(Int, Int)] = [(1, 1), (3, 2), (7, 13), (19, 33)]
    static let densities: [Double] = [0, 1, 0.3]

    static func run(_ network: SMSRNetwork, _ h: Int, _ w: Int, threads: Int = 1) -> NetworkRun {
        NetworkRun(team: ThreadTeam(threads: threads), storage: MapStorage(limitBytes: 0), forms: network.preparedForms,
                   height: h, width: w)
    }

    /// `|a - b| <= tolerance * max(1, |b|)` everywhere.
    static func close(_ a: FeatureMap, _ b: FeatureMap, tolerance: Float = 1e-4) -> Bool {
        a.height == b.height && a.width == b.width && a.channels == b.channels
            && zip(a.values, b.values).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    /// A block input as the network makes it: a real crop through the head (features of real images keep the
    /// mask generator's logits away from ties, which rounding could flip).
    static func blockInput(_ h: Int, _ w: Int) throws -> FeatureMap {
        let network = SharedData.officialNetwork
        let image = try TestImages.image("reference/crop_baby_64x64_lr.png").cropped(x: 5, y: 3, width: w, height: h)
        let (_, x0) = network.shiftMean(image.planarRGB(), height: h, width: w, team: .single)
        let reference = ReferenceKernels()
        return reference.convolve(reference.convolve(x0, network.head.0, relu: true), network.head.1, relu: false)
    }

    @Test(arguments: backends, sizes)
    func spatialMaskEqualsReferenceBits(_ backend: Backend, _ size: (Int, Int)) throws {
        let network = SharedData.officialNetwork
        let (h, w) = size
        let input = try Self.blockInput(h, w)
        for b in network.blocks.indices {
            var reference = Self.run(network, h, w)
            var noTrace: InferenceTrace?
            let expected = Backend.reference.units.spatialMask(network, block: b, input: input, run: &reference, trace: &noTrace)
            for threads in [1, 2] {
                let units = backend.units.threaded(threads)
                var run = Self.run(network, h, w, threads: threads)
                var trace: InferenceTrace? = InferenceTrace()
                let traced = units.spatialMask(network, block: b, input: input, run: &run, trace: &trace)
                let plain = units.spatialMask(network, block: b, input: input, run: &run, trace: &noTrace)
                #expect(traced == expected && plain == expected, "\(backend.name) block \(b) \(h)x\(w)")
                #expect(trace?.maskLogits.count == 1)
                #expect(expected.height == h && expected.width == w)
            }
        }
    }

    @Test(arguments: backends, sizes)
    func sparseMaskBlockMatchesReference(_ backend: Backend, _ size: (Int, Int)) throws {
        let network = SharedData.officialNetwork
        let (h, w) = size
        let input = try Self.blockInput(h, w)
        for b in network.blocks.indices {
            for (index, density) in Self.densities.enumerated() {
                var random = SplitMix64(seed: UInt64(100 * b + index))
                let mask = ReferenceKernelTests.randomMask(h, w, density: density, &random)
                var reference = Self.run(network, h, w)
                var expected = FeatureMap(height: 0, width: 0, channels: 0)
                let expectedMeans = Backend.reference.units.sparseMaskBlock(network, block: b, input: input, mask: mask,
                                                                           run: &reference, into: &expected)
                for threads in [1, 3] {
                    let units = backend.units.threaded(threads)
                    var run = Self.run(network, h, w, threads: threads)
                    // The mask generator first, as in the network: some backends compute part of layer 0 with it.
                    var trace: InferenceTrace?
                    _ = units.spatialMask(network, block: b, input: input, run: &run, trace: &trace)
                    var ours = FeatureMap(height: 0, width: 0, channels: 0)
                    let means = units.sparseMaskBlock(network, block: b, input: input, mask: mask, run: &run, into: &ours)
                    // The vector backend's masked passes take neighbouring pixels in pairs by Winograd's F(2, 3) along the
                    // row, which rounds differently from the reference's direct sums: up to 1.4e-4 * max(1, |value|) on fully
                    // masked blocks of these features (values up to about 300), where the direct sums stayed within 1e-4.
                    #expect(Self.close(ours, expected, tolerance: 3e-4), "\(backend.name) block \(b) \(h)x\(w) density \(density)")
                    #expect(zip(means, expectedMeans).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
                }
            }
        }
    }

    @Test(arguments: backends, sizes)
    func residualAndCollectMatchesReference(_ backend: Backend, _ size: (Int, Int)) throws {
        let network = SharedData.officialNetwork
        let (h, w) = size
        var random = SplitMix64(seed: UInt64(h * 1000 + w))
        // The first block starts the sum (whatever the map held), the others add to it, the last ends with ReLU. Each
        // case runs two consecutive block ends where there is a next block, the second's residual the first's result,
        // as the graph runs them: a backend may leave a block's share of the collect to the next block's end.
        for b in [0, 2, network.blocks.count - 1] {
            let blocks = Array(b..<min(b + 2, network.blocks.count))
            let outputs = blocks.map { _ in ReferenceKernelTests.randomMap(h, w, 64, &random) }
            let residual = ReferenceKernelTests.randomMap(h, w, 64, &random)
            let collected = ReferenceKernelTests.randomMap(h, w, 64, &random)
            let scales = blocks.map { _ in (0..<64).map { _ in Float.random(in: 0..<1, using: &random) } }
            func ends(_ units: any NetworkBackend, _ run: inout NetworkRun) -> (outputs: [FeatureMap], sum: FeatureMap) {
                var (results, sum, input) = ([FeatureMap](), collected, residual)
                for (i, block) in blocks.enumerated() {
                    var output = outputs[i]
                    units.residualAndCollect(network, block: block, output: &output, scales: scales[i], residual: input,
                                             collected: &sum, run: &run)
                    results.append(output)
                    input = output
                }
                return (results, sum)
            }
            var reference = Self.run(network, h, w)
            let expected = ends(Backend.reference.units, &reference)
            for threads in [1, 2] {
                var run = Self.run(network, h, w, threads: threads)
                let ours = ends(backend.units.threaded(threads), &run)
                #expect(ours.outputs == expected.outputs, "\(backend.name) blocks \(blocks): the residual is elementwise, the same bits")
                #expect(Self.close(ours.sum, expected.sum), "\(backend.name) blocks \(blocks) \(h)x\(w)")
                #expect(run.deferredCollect == nil, "\(backend.name): a share left after block \(blocks.last!)")
                if blocks.last == network.blocks.count - 1 { #expect(ours.sum.values.allSatisfy { $0 >= 0 }) }
            }
        }
    }

    @Test(arguments: backends, sizes)
    func fusionAndTailMatchReference(_ backend: Backend, _ size: (Int, Int)) throws {
        let network = SharedData.officialNetwork
        let (h, w) = size
        var random = SplitMix64(seed: UInt64(7 * h + w))
        var collected = ReferenceKernelTests.randomMap(h, w, 64, &random)
        collected.values = collected.values.map { max($0, 0) }
        let head = ReferenceKernelTests.randomMap(h, w, 64, &random)
        var reference = Self.run(network, h, w)
        var referenceHead = head
        let expected = Backend.reference.units.fusionAndTail(network, collected: collected, head: &referenceHead, run: &reference)
        var run = Self.run(network, h, w, threads: 2)
        var ours = head
        let tail = backend.units.threaded(2).fusionAndTail(network, collected: collected, head: &ours, run: &run)
        #expect(tail.channels == 3 * network.scale * network.scale)
        #expect(Self.close(tail, expected, tolerance: 1e-3), "\(backend.name) \(h)x\(w)")
    }

    @Test func bestBackendIsTheWidestBuild() {
        #expect(Backend.best.name == (InstructionSet.best?.rawValue ?? "reference"))
        #expect(Backend.named("reference")?.name == "reference")
        #expect(Backend.named("no-such-kernels") == nil)
    }
}
