/// The network's units composed from the reference kernels, one plain step after another, as the model notes state
/// them: the twin every other backend is tested against.
struct ReferenceBackend: NetworkBackend {
    let reference = ReferenceKernels()

    var name: String { "reference" }
    var kernels: any ConvolutionKernels { reference }

    /// The reference kernels run on one thread; the elementwise steps use the run's team.
    func threaded(_ threads: Int) -> any NetworkBackend { self }

    func head(_ network: SMSRNetwork, input: FeatureMap, first: inout FeatureMap, into head: inout FeatureMap,
              run: inout NetworkRun) {
        reference.convolve(input, network.head.0, relu: true, into: &first)
        reference.convolve(first, network.head.1, relu: false, into: &head)
    }

    func spatialMask(_ network: SMSRNetwork, block b: Int, input: FeatureMap, run: inout NetworkRun,
                     trace: inout InferenceTrace?) -> SpatialMask {
        let logits = network.maskGenerators[b].logits(input, kernels: reference, team: run.team, scratch: &run.reduced)
        run.firstLayerOffset = nil
        trace?.maskLogits.append(logits)
        return MaskGenerator.mask(logits: logits, height: input.height, width: input.width, team: run.team)
    }

    func sparseMaskBlock(_ network: SMSRNetwork, block b: Int, input: FeatureMap, mask: SpatialMask, run: inout NetworkRun,
                         into output: inout FeatureMap) -> [Float] {
        network.blocks[b](input, mask: mask, kernels: reference, team: run.team, scratch: &run.layers, into: &output)
        return Pooling.globalAverage(output, team: run.team)
    }

    func residualAndCollect(_ network: SMSRNetwork, block b: Int, output: inout FeatureMap, scales: [Float],
                            residual: FeatureMap, collected: inout FeatureMap, run: inout NetworkRun) {
        if b == 0 {
            FeatureArithmetic.fill(&collected, height: output.height, width: output.width, with: network.collectBias, team: run.team)
        }
        FeatureArithmetic.scaleAndAdd(&output, scales: scales, residual: residual, team: run.team)
        reference.accumulatePointwise(output, denseInputs: output.channels, network.collect[b], mask: nil, into: &collected)
        if b == network.blocks.count - 1 { FeatureArithmetic.relu(&collected, team: run.team) }
    }

    func fusionAndTail(_ network: SMSRNetwork, collected: FeatureMap, head: inout FeatureMap, run: inout NetworkRun) -> FeatureMap {
        var g = reference.convolve(collected, network.fuse, relu: false)
        FeatureArithmetic.add(head, to: &g, team: run.team)
        return reference.convolve(g, network.tail, relu: false)
    }

    func multiplyAddsSaved(_ network: SMSRNetwork, height: Int, width: Int, masks: InferenceOptions.Masks,
                           spatialMasks: [SpatialMask]) -> Int { 0 }
}
