import SMSRCPU

/// The fast kernels: register-tiled SIMD convolutions that gather each output position's neighbourhood
/// through pointers, so the sparse layers visit only the positions their masks select. Each operation is
/// split across `team`'s threads by position; the kernels themselves are single-threaded.
public struct SIMDKernels: ConvolutionKernels {
    public let instructionSet: InstructionSet
    public let team: ThreadTeam
    /// The build's entry points, chosen with the instruction set.
    let table: smsr_kernel_table
    /// Convolutions whose weights carry a Winograd form (`ConvWeights.withWinogradBlocks`) run in it
    /// (`WinogradConvolution`); off, they sum their taps directly as every other convolution does.
    public var usesWinograd = true

    /// Nil when this CPU cannot run `instructionSet`.
    public init?(_ instructionSet: InstructionSet, threads: Int = 1) {
        guard instructionSet.isSupported else { return nil }
        self.instructionSet = instructionSet
        table = instructionSet.kernelTable
        team = ThreadTeam(threads: threads)
    }

    public var name: String { instructionSet.rawValue }
    public var runsWinogradForms: Bool { usesWinograd }

    public func threaded(_ threads: Int) -> any ConvolutionKernels {
        guard var kernels = SIMDKernels(instructionSet, threads: threads) else { return self }
        kernels.usesWinograd = usesWinograd
        return kernels
    }

    /// Positions per chunk boundary: a multiple of every register tile's position count (6, 8, 12), so
    /// threads cut the position list where a single thread's blocks would end.
    static let granularity = 24

    public func convolve(_ input: FeatureMap, _ weights: ConvWeights, relu: Bool) -> FeatureMap {
        var output = FeatureMap(height: 0, width: 0, channels: 0)
        convolve(input, weights, relu: relu, into: &output)
        return output
    }

    /// `convolve` into an existing map, reusing its storage when the shape fits (a fresh whole-image map costs
    /// page faults, which threads contend for).
    public func convolve(_ input: FeatureMap, _ weights: ConvWeights, relu: Bool, into output: inout FeatureMap) {
        // Every output value is written by the kernel, so the buffer need not be zeroed first.
        output.reshapeUninitialized(height: input.height, width: input.width, channels: weights.outputs)
        runDense(input, weights, relu: relu, accumulate: false, into: &output)
    }

    /// `output += convolve(input, weights)` (bias included, no ReLU): a convolution whose result only feeds a
    /// sum, written into the sum's storage instead of a fresh map. Reference twin: `convolve` then an add.
    public func accumulateConvolution(_ input: FeatureMap, _ weights: ConvWeights, into output: inout FeatureMap) {
        precondition(output.height == input.height && output.width == input.width, "accumulator size mismatch")
        runDense(input, weights, relu: false, accumulate: true, into: &output)
    }

    /// A whole-map convolution with the weights' bias into `output`, which has the input's size.
    private func runDense(_ input: FeatureMap, _ weights: ConvWeights, relu: Bool, accumulate: Bool,
                          into output: inout FeatureMap) {
        precondition(input.channels == weights.inputs && output.channels == weights.outputs, "convolution channel mismatch")
        let (h, w, cout) = (input.height, input.width, weights.outputs)
        let bias = weights.bias.map { $0 + [Float](repeating: 0, count: weights.laneOutputs - weights.outputs) }
        if usesWinograd, let winograd = weights.winograd {
            return runWinograd(input, winograd, bias: bias, outputs: cout, relu: relu, accumulate: accumulate, into: &output)
        }
        input.values.withUnsafeBufferPointer { x in
            weights.laneValues.withUnsafeBufferPointer { wt in
                output.values.withUnsafeMutableBufferPointer { out in
                    withOptionalPointer(bias) { b in
                        let job = smsr_convolution(
                            input: x.baseAddress, height: h, width: w, input_channels: input.channels,
                            dense_inputs: input.channels, used_inputs: input.channels, mask: nil,
                            kernel_size: weights.kernelSize, weights: wt.baseAddress, padded_outputs: weights.laneOutputs,
                            bias: b, output: out.baseAddress, output_channels: cout, computed_outputs: cout, cleared_outputs: cout,
                            accumulate: accumulate ? 1 : 0, relu: relu ? 1 : 0, input_ring_rows: 0, output_ring_rows: 0,
                            positions: nil, first: 0, count: h * w, empty_taps: weights.emptyTaps, bias_last: 0)
                        run(job, positions: nil)
                    }
                }
            }
        }
    }

    /// The same convolution in Winograd's form, block rows (`blockHeight` output rows each) split across the team.
    private func runWinograd(_ input: FeatureMap, _ weights: WinogradWeights, bias: [Float]?, outputs: Int, relu: Bool,
                             accumulate: Bool, into output: inout FeatureMap) {
        let (h, w) = (input.height, input.width)
        input.values.withUnsafeBufferPointer { x in
            weights.values.withUnsafeBufferPointer { u in
                output.values.withUnsafeMutableBufferPointer { out in
                    withOptionalPointer(bias) { b in
                        let job = smsr_winograd(
                            input: x.baseAddress, height: h, width: w, input_channels: input.channels,
                            block_height: weights.blockHeight, block_width: weights.blockWidth,
                            weights: u.baseAddress,
                            padded_outputs: weights.laneOutputs, bias: b, output: out.baseAddress, output_channels: outputs,
                            accumulate: accumulate ? 1 : 0, relu: relu ? 1 : 0, first_block_row: 0, block_rows: 0)
                        team.forEachChunk((h + weights.blockHeight - 1) / weights.blockHeight) { rows in
                            var part = job
                            part.first_block_row = rows.lowerBound
                            part.block_rows = rows.count
                            execute(part)
                        }
                    }
                }
            }
        }
    }

    public func sparseConvolve(_ input: FeatureMap, denseInputs: Int, _ weights: ConvWeights, denseOutputs: Int,
                               mask: SpatialMask) -> FeatureMap {
        // Zero-filled first: the into-variant leaves the sparse outputs at unmasked pixels alone.
        var output = FeatureMap(height: input.height, width: input.width, channels: weights.outputs)
        sparseConvolve(input, denseInputs: denseInputs, weights, denseOutputs: denseOutputs, mask: mask, into: &output)
        return output
    }

    public func sparseConvolve(_ input: FeatureMap, denseInputs: Int, _ weights: ConvWeights, denseOutputs: Int,
                               mask: SpatialMask, into output: inout FeatureMap) {
        precondition(weights.kernelSize == 3 && input.channels == weights.inputs, "sparse convolution shape mismatch")
        precondition(mask.height == input.height && mask.width == input.width, "mask size mismatch")
        let (h, w, cin, cout) = (input.height, input.width, input.channels, weights.outputs)
        if output.height != h || output.width != w || output.channels != cout {
            // Nothing to zero: the values written below are the only ones any reader of this map uses.
            output = FeatureMap(uninitializedHeight: h, width: w, channels: cout)
        }
        input.values.withUnsafeBufferPointer { x in
            weights.laneValues.withUnsafeBufferPointer { wt in
                output.values.withUnsafeMutableBufferPointer { out in
                    mask.bits.withUnsafeBufferPointer { bits in
                        // Unmasked positions: the dense outputs from the dense inputs, and the sparse outputs set to 0,
                        // which the next layer's row runs read as stored.
                        var job = smsr_convolution(
                            input: x.baseAddress, height: h, width: w, input_channels: cin,
                            dense_inputs: denseInputs, used_inputs: denseInputs, mask: nil,
                            kernel_size: 3, weights: wt.baseAddress, padded_outputs: weights.laneOutputs,
                            bias: nil, output: out.baseAddress, output_channels: cout, computed_outputs: denseOutputs, cleared_outputs: cout,
                            accumulate: 0, relu: 1, input_ring_rows: 0, output_ring_rows: 0, positions: nil, first: 0, count: 0,
                            empty_taps: weights.emptyTaps, bias_last: 0)
                        mask.zeros.withUnsafeBufferPointer { run(job, positions: $0) }
                        // Masked positions: every output, sparse inputs read at masked neighbours only.
                        job.used_inputs = cin
                        job.mask = bits.baseAddress
                        job.computed_outputs = cout
                        mask.ones.withUnsafeBufferPointer { run(job, positions: $0) }
                    }
                }
            }
        }
    }

    public func accumulatePointwise(_ input: FeatureMap, denseInputs: Int, _ weights: ConvWeights, mask: SpatialMask?,
                                    into accumulator: inout FeatureMap) {
        precondition(weights.kernelSize == 1 && input.channels == weights.inputs, "pointwise shape mismatch")
        precondition(accumulator.channels == weights.outputs && accumulator.pixelCount == input.pixelCount, "accumulator mismatch")
        let (h, w, cin, cout) = (input.height, input.width, input.channels, weights.outputs)
        input.values.withUnsafeBufferPointer { x in
            weights.laneValues.withUnsafeBufferPointer { wt in
                accumulator.values.withUnsafeMutableBufferPointer { out in
                    var job = smsr_convolution(
                        input: x.baseAddress, height: h, width: w, input_channels: cin,
                        dense_inputs: cin, used_inputs: cin, mask: nil,
                        kernel_size: 1, weights: wt.baseAddress, padded_outputs: weights.laneOutputs,
                        bias: nil, output: out.baseAddress, output_channels: cout, computed_outputs: cout, cleared_outputs: cout,
                        accumulate: 1, relu: 0, input_ring_rows: 0, output_ring_rows: 0, positions: nil, first: 0, count: h * w,
                        empty_taps: weights.emptyTaps, bias_last: 0)
                    guard let mask else { return run(job, positions: nil) }
                    precondition(mask.height == h && mask.width == w, "mask size mismatch")
                    if denseInputs > 0 {
                        job.dense_inputs = denseInputs
                        job.used_inputs = denseInputs
                        mask.zeros.withUnsafeBufferPointer { run(job, positions: $0) }
                    }
                    job.dense_inputs = cin
                    job.used_inputs = cin
                    mask.ones.withUnsafeBufferPointer { run(job, positions: $0) }
                }
            }
        }
    }

    /// Runs `job` on the calling thread: for callers that split the work across threads themselves.
    func execute(_ job: smsr_convolution) {
        guard job.count > 0, max(job.computed_outputs, job.cleared_outputs) > 0 else { return }
        withUnsafePointer(to: job) { table.convolution!($0) }
    }

    /// Runs block rows of a Winograd convolution on the calling thread.
    func execute(_ job: smsr_winograd) {
        withUnsafePointer(to: job) { table.winograd!($0) }
    }

    /// Runs a row's fused layer collect on the calling thread.
    func execute(_ job: smsr_layer_collect) {
        withUnsafePointer(to: job) { table.layer_collect!($0) }
    }

    /// `sums[ch] += row[p * channels + ch]` over the pixels in order, in double precision, on the calling thread.
    /// Reference twin: `FeatureArithmetic.addChannelSums` (the same sums in the same order).
    func addChannelSums(_ row: UnsafePointer<Float>, pixels: Int, channels: Int, into sums: UnsafeMutablePointer<Double>) {
        table.channel_sums!(row, pixels, channels, sums)
    }

    /// Runs a masked pass with runs of neighbouring pixels in tiles by Winograd's F(m, 3) along the row, on the calling
    /// thread: tiles of 4 where `fours` is set (`weights` then holding components 1 ... 4), and pairs (`RowPairWeights`'
    /// layout).
    func execute(_ job: smsr_convolution, rowPairs weights: UnsafePointer<Float>, fours: Bool = false) {
        guard job.count > 0, max(job.computed_outputs, job.cleared_outputs) > 0 else { return }
        withUnsafePointer(to: job) { convolution in
            withUnsafePointer(to: smsr_row_pairs(convolution: convolution, weights: weights, fours: fours ? 1 : 0)) {
                table.row_pairs!($0)
            }
        }
    }

    /// Runs a row's few-output convolution from channel-by-channel rows on the calling thread.
    func execute(_ job: smsr_planar_row) {
        withUnsafePointer(to: job) { table.planar_row!($0) }
    }

    /// Runs `job` over its positions (the list, or `first..<first+count`), split across the team.
    private func run(_ job: smsr_convolution, positions: UnsafeBufferPointer<Int32>?) {
        let count = positions?.count ?? job.count
        guard count > 0, max(job.computed_outputs, job.cleared_outputs) > 0, job.height * job.width > 0 else { return }
        team.forEachChunk(count, granularity: Self.granularity) { range in
            var part = job
            if let positions {
                part.positions = positions.baseAddress! + range.lowerBound
                part.first = 0
            } else {
                part.first = job.first + range.lowerBound
            }
            part.count = range.count
            execute(part)
        }
    }
}

func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Calls `body` with a pointer to each array's storage, valid for the call.
func withPointers<R>(_ arrays: [[Float]], _ body: ([UnsafePointer<Float>]) -> R) -> R {
    func nest(_ index: Int, _ collected: [UnsafePointer<Float>]) -> R {
        guard index < arrays.count else { return body(collected) }
        return arrays[index].withUnsafeBufferPointer { nest(index + 1, collected + [$0.baseAddress!]) }
    }
    return nest(0, [])
}
