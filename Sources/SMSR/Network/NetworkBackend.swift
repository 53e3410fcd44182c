import Foundation

/// What runs the network's units: the graph (`SMSRNetwork.forward`) says what each step computes, in the paper's
/// order, and a backend computes it. The units are the network's own steps, large enough that a backend can fuse
/// and schedule inside them (as ncnn's per-ISA layers pick their algorithm behind one `Convolution`, and as a ggml
/// graph never asks which backend runs it).
///
/// Every backend must give the results the reference backend gives, up to the rounding of a different summation
/// order; masks must be the same bits. Tests hold each unit of each backend against the reference's.
protocol NetworkBackend: Sendable {
    /// A short name for reports ("reference", "avx2", ...).
    var name: String { get }

    /// The convolutions a backend runs in its units, for the steps that are plain convolutions (the head).
    var kernels: any ConvolutionKernels { get }

    /// The same backend splitting its work across `threads` threads.
    func threaded(_ threads: Int) -> any NetworkBackend

    /// The head's two convolutions on the mean-shifted input: the first (with its ReLU) into `first`, the second into
    /// `head`. Both maps may arrive with storage to reuse.
    func head(_ network: SMSRNetwork, input: FeatureMap, first: inout FeatureMap, into head: inout FeatureMap,
              run: inout NetworkRun)

    /// Block `b`'s spatial mask from the block input (the mask generator), and whatever of the block's first layer
    /// the backend computes alongside it, kept in `run` for `sparseMaskBlock`. With a trace, the logits are appended.
    func spatialMask(_ network: SMSRNetwork, block b: Int, input: FeatureMap, run: inout NetworkRun,
                     trace: inout InferenceTrace?) -> SpatialMask

    /// Block `b`'s sparse mask block on `input` under `mask` into `output` (whose storage it may reuse); returns the
    /// output's channel means, for channel attention.
    func sparseMaskBlock(_ network: SMSRNetwork, block b: Int, input: FeatureMap, mask: SpatialMask, run: inout NetworkRun,
                         into output: inout FeatureMap) -> [Float]

    /// The end of block `b`: `output = output * scales + residual` (channel attention and the residual), then the
    /// block output's share of the network collect, `collected += collect_b(output)`. The first block starts the sum
    /// (with the collect's bias; `collected` may hold anything before); after the last, `collected` goes through ReLU.
    /// A backend may leave a block's share to the next block's end (whose `residual` is that block's output), noting
    /// it in `run.deferredCollect`; after the last block's end every share is in.
    func residualAndCollect(_ network: SMSRNetwork, block b: Int, output: inout FeatureMap, scales: [Float],
                            residual: FeatureMap, collected: inout FeatureMap, run: inout NetworkRun)

    /// The fusion conv on the collected (and ReLU'd) features plus the head's output, then the tail conv: returns the
    /// tail's output. `head` is not read afterwards, so its storage may be reused.
    func fusionAndTail(_ network: SMSRNetwork, collected: FeatureMap, head: inout FeatureMap, run: inout NetworkRun) -> FeatureMap

    /// The multiply-adds of the paper's count that this backend's algorithms leave out of a run (Winograd's forms), whose
    /// spatial masks were `spatialMasks`.
    func multiplyAddsSaved(_ network: SMSRNetwork, height: Int, width: Int, masks: InferenceOptions.Masks,
                           spatialMasks: [SpatialMask]) -> Int
}

/// What the units of one run share: the threads, the network's kept storage, the backends' prepared forms of the
/// weights, and the maps reused from block to block.
struct NetworkRun {
    let team: ThreadTeam
    let storage: MapStorage
    let forms: PreparedForms
    let height: Int
    let width: Int
    /// The mask generator's first conv output (with some backends, layer 0's dense outputs beside it).
    var reduced = FeatureMap(height: 0, width: 0, channels: 0)
    /// Where layer 0's dense outputs start in each pixel of `reduced`, when the backend computed them there.
    var firstLayerOffset: Int?
    var maskMaps = MaskGeneratorMaps()
    /// The block whose share of the network collect the backend left for the next block's end, if any.
    var deferredCollect: Int?
    /// Two maps a backend may alternate between inside a block.
    var layers = (FeatureMap(height: 0, width: 0, channels: 0), FeatureMap(height: 0, width: 0, channels: 0))

    /// Hands every map's storage back to `storage` for later runs.
    mutating func keepMaps() {
        storage.keep(&reduced)
        maskMaps.keep(in: storage)
        storage.keep(&layers.0)
        storage.keep(&layers.1)
    }
}

/// Forms of a network's weights that a backend derives once (joined or transformed weights), kept by the network
/// for every later run, under a key the backend chooses.
final class PreparedForms: @unchecked Sendable {
    private let lock = NSLock()
    private var forms: [String: any Sendable] = [:]

    func form<T: Sendable>(_ key: String, make: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        if let form = forms[key] as? T { return form }
        let form = make()
        forms[key] = form
        return form
    }
}
