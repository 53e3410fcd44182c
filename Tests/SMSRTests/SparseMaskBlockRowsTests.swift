import Testing
@testable import SMSR

/// The row pipeline of a sparse mask block (fast kernels, ring rows, stripes per thread) against the block run
/// layer by layer on the reference kernels, on the official weights of every block.
@Suite struct SparseMaskBlockRowsTests {
    static let instructionSets = InstructionSet.allCases.filter(\.isSupported)

    /// (height, width, mask density): one pixel, fewer rows than a stripe's halo, widths with and without
    /// row runs, and enough rows for three stripes.
    static let shapes: [(Int, Int, Double)] = [
        (1, 1, 1.0), (2, 3, 0.5), (3, 40, 0.6), (9, 37, 0.3), (26, 30, 0.85), (31, 17, 0.1), (25, 50, 0.0),
    ]

    static func blockCase(_ index: Int, block: Int) -> (FeatureMap, SpatialMask) {
        let (h, w, density) = shapes[index]
        var random = SplitMix64(seed: UInt64(1300 + 7 * index + block))
        let mask = ReferenceKernelTests.randomMask(h, w, density: density, &random)
        // Block inputs are ReLU-free features of either sign.
        let input = ReferenceKernelTests.randomMap(h, w, 64, &random)
        return (input, mask)
    }

    @Test(arguments: instructionSets, shapes.indices)
    func rowPipelineMatchesLayerByLayerReference(_ set: InstructionSet, _ index: Int) throws {
        let network = SharedData.officialNetwork
        for (b, block) in network.blocks.enumerated() {
            let (input, mask) = Self.blockCase(index, block: b)
            let expected = block(input, mask: mask, kernels: ReferenceKernels())
            var first: FeatureMap?
            for threads in [1, 2, 3] {
                let kernels = try #require(SIMDKernels(set, threads: threads))
                var ours = FeatureMap(height: 0, width: 0, channels: 0)
                block.runRows(input, mask: mask, kernels: kernels, into: &ours)
                try #require(ours.height == input.height && ours.width == input.width && ours.channels == 64)
                let diff = SIMDKernelTests.maxDifference(ours, expected)
                #expect(diff < 1e-3, "\(set) block \(b) threads \(threads): max difference \(diff)")
                if let first { #expect(first == ours, "block \(b): output depends on the thread count") } else { first = ours }
            }
        }
    }

    /// With the masked passes' neighbouring pixels in pairs by Winograd's F(2, 3) along the row (as the vector backend
    /// runs them): within the same tolerance of the reference, and the same bits whatever the thread count.
    @Test(arguments: instructionSets, shapes.indices)
    func rowPairsMatchLayerByLayerReference(_ set: InstructionSet, _ index: Int) throws {
        let network = SharedData.officialNetwork
        let forms = VectorForms.of(network)
        for (b, block) in network.blocks.enumerated() {
            #expect(forms.rowPairs[b].allSatisfy { $0 != nil })
            let (input, mask) = Self.blockCase(index, block: b)
            let expected = block(input, mask: mask, kernels: ReferenceKernels())
            var first: FeatureMap?
            for threads in [1, 2, 3] {
                let kernels = try #require(SIMDKernels(set, threads: threads))
                var ours = FeatureMap(height: 0, width: 0, channels: 0)
                block.runRows(input, mask: mask, kernels: kernels, rowPairs: forms.rowPairs[b], into: &ours)
                let diff = SIMDKernelTests.maxDifference(ours, expected)
                #expect(diff < 1e-3, "\(set) block \(b) threads \(threads): max difference \(diff)")
                if let first { #expect(first == ours, "block \(b): output depends on the thread count") } else { first = ours }
            }
        }
    }

    /// Layer 0's dense outputs computed together with the mask generator's first conv (one joint convolution)
    /// give the same block output, bit for bit, as layer 0 computing them itself when both sum their taps directly,
    /// and the same up to rounding when the joint convolution takes the Winograd form; the generator's logits are the
    /// same bits either way (each output's sums do not depend on the other outputs).
    @Test(arguments: instructionSets, shapes.indices)
    func jointFirstConvolutionChangesNothing(_ set: InstructionSet, _ index: Int) throws {
        let network = SharedData.officialNetwork
        var joined = 0
        // The generators in the vector backend's forms (Winograd's, as the joint convolution), as the backend runs them.
        let (joints, generators) = (VectorForms.of(network).jointFirst, VectorForms.of(network).generators)
        for (b, block) in network.blocks.enumerated() {
            guard let joint = joints[b] else { continue }
            joined += 1
            #expect(joint.maskChannels == 16 && joint.denseOutputs == block.splits[0].dense.count)
            let (input, mask) = Self.blockCase(index, block: b)
            for (threads, winograd) in [(1, false), (2, false), (1, true), (2, true)] {
                var kernels = try #require(SIMDKernels(set, threads: threads))
                kernels.usesWinograd = winograd
                var alone = FeatureMap(height: 0, width: 0, channels: 0)
                block.runRows(input, mask: mask, kernels: kernels, into: &alone)
                var shared = FeatureMap(height: 0, width: 0, channels: 0)
                kernels.convolve(input, joint.weights, relu: true, into: &shared)
                var ours = FeatureMap(height: 0, width: 0, channels: 0)
                block.runRows(input, mask: mask, kernels: kernels, firstLayer: (shared, joint.maskChannels), into: &ours)
                if winograd {
                    try #require(ours.values.count == alone.values.count)
                    let worst = SIMDKernelTests.maxDifference(ours, alone)
                    #expect(worst < 1e-4, "\(set) block \(b) threads \(threads): max abs diff \(worst)")
                } else {
                    #expect(ours == alone, "\(set) block \(b) threads \(threads): joint first layer changed the output")
                }
                var scratch = FeatureMap(height: 0, width: 0, channels: 0)
                let logits = generators[b].logits(input, kernels: kernels, scratch: &scratch)
                #expect(generators[b].logits(reduced: shared, kernels: kernels) == logits)
                // Through maps kept from one block to the next (used twice, as the network does): the same bits.
                var maps = MaskGeneratorMaps()
                for _ in 0..<2 {
                    generators[b].logits(reduced: shared, kernels: kernels, team: ThreadTeam(threads: threads), maps: &maps)
                    #expect(maps.logits == logits, "\(set) block \(b): logits through kept maps differ")
                }
            }
        }
        // The official splits give layer 0 dense outputs in every block.
        #expect(joined == network.blocks.count)
    }

    /// A stripe of two rows beside one of the rest: the thread done first takes rows from the other stripe (however
    /// the threads happen to run, the output is the one-thread output, bit for bit).
    @Test(arguments: instructionSets)
    func takenRowsChangeNothing(_ set: InstructionSet) throws {
        let network = SharedData.officialNetwork
        var random = SplitMix64(seed: 4242)
        let (h, w) = (48, 29)
        let mask = ReferenceKernelTests.randomMask(h, w, density: 0.4, &random)
        let input = ReferenceKernelTests.randomMap(h, w, 64, &random)
        for block in network.blocks {
            var alone = FeatureMap(height: 0, width: 0, channels: 0)
            let aloneMeans = block.runRows(input, mask: mask, kernels: try #require(SIMDKernels(set, threads: 1)), into: &alone)
            for (threads, stripes) in [(2, [0..<2, 2..<h]), (3, [0..<1, 1..<3, 3..<h]), (2, [0..<(h - 2), (h - 2)..<h])] {
                for _ in 0..<3 {
                    var ours = FeatureMap(height: 0, width: 0, channels: 0)
                    let means = block.runRows(input, mask: mask, kernels: try #require(SIMDKernels(set, threads: threads)),
                                              stripes: stripes, into: &ours)
                    #expect(ours == alone, "\(set) stripes \(stripes): output changed")
                    #expect(means == aloneMeans, "\(set) stripes \(stripes): channel means changed")
                }
            }
        }
    }

    @Test func stripesCoverTheRowsInOrder() {
        var random = SplitMix64(seed: 77)
        let mask = ReferenceKernelTests.randomMask(40, 20, density: 0.3, &random)
        for count in 1...5 {
            let stripes = SparseMaskBlock.stripes(mask: mask, count: count, work: (1, 10))
            #expect(stripes.count == count)
            #expect(stripes.first?.lowerBound == 0 && stripes.last?.upperBound == 40)
            #expect(zip(stripes, stripes.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$0.isEmpty })
        }
    }

    /// Masked pixels cost `work.masked`, unmasked ones `work.unmasked`: the stripes split that work evenly,
    /// to within one row.
    @Test func stripesBalanceTheWork() {
        let (h, w) = (40, 20)
        // The top quarter fully masked, the rest unmasked.
        let mask = SpatialMask(height: h, width: w, bits: (0..<(h * w)).map { UInt8($0 < 10 * w ? 1 : 0) })
        for (work, count) in [((1, 10), 2), ((2, 30), 3), ((1, 1), 4)] {
            let rowWork = (0..<h).map { $0 < 10 ? w * work.1 : w * work.0 }
            let total = rowWork.reduce(0, +)
            let stripes = SparseMaskBlock.stripes(mask: mask, count: count, work: work)
            #expect(stripes.count == count)
            for stripe in stripes {
                let share = stripe.map { rowWork[$0] }.reduce(0, +)
                #expect(abs(share * count - total) <= count * rowWork.max()!, "work \(work): stripe \(stripe) has \(share) of \(total)")
            }
        }
    }

    @Test func maskedPixelsOutweighUnmaskedOnesByTheSplits() {
        let network = SharedData.officialNetwork
        for block in network.blocks {
            let work = block.pixelWork()
            // All layers' 3x3 convs and the collect: 4 * (9 * 64 * 64 + 64 * 64).
            #expect(work.masked == 4 * (9 * 64 * 64 + 64 * 64))
            let dense = block.splits.map(\.dense.count)
            #expect(work.unmasked > 0 && work.unmasked < work.masked / 4, "dense outputs \(dense): \(work)")
        }
    }
}
