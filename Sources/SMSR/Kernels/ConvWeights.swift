/// Convolution weights repacked for channels-last kernels: `values[((ky * k + kx) * inputs + ci) * outputs + co]`,
/// so the output channels of one tap and input channel are contiguous.
public struct ConvWeights: Sendable, Equatable {
    public let kernelSize: Int
    public let inputs: Int
    public let outputs: Int
    public var values: [Float] {
        didSet {
            laneValues = Self.padOutputs(values, kernelSize: kernelSize, inputs: inputs, outputs: outputs)
            emptyTaps = Self.emptyTaps(values, kernelSize: kernelSize)
            if let form = winograd {
                winograd = WinogradWeights(kernelSize: kernelSize, inputs: inputs, outputs: outputs, values: values,
                                           emptyTaps: emptyTaps, blockHeight: form.blockHeight, blockWidth: form.blockWidth)
            }
        }
    }
    public var bias: [Float]?
    /// `values` with each (tap, input) row padded with zeros to `laneOutputs` columns, the layout the SIMD
    /// kernels read whole vectors from. Shares storage with `values` when no padding is needed.
    public private(set) var laneValues: [Float]
    /// Bit `ky * kernelSize + kx` set where that tap's weights are all 0 (a transposed conv's phases have five such
    /// taps of nine): the fast kernels skip those taps.
    public private(set) var emptyTaps: UInt32
    /// The weights transformed for the Winograd form of a dense 3x3 convolution, where the owner asked for one
    /// (`withWinogradBlocks`): its rounding differs from the direct sums', so each convolution opts in.
    public private(set) var winograd: WinogradWeights?

    /// The output count rounded up to a multiple of 16 floats (one AVX-512 vector, two AVX2 vectors).
    public var laneOutputs: Int { Self.laneOutputs(outputs) }

    public init(kernelSize: Int, inputs: Int, outputs: Int, values: [Float], bias: [Float]?) {
        precondition(values.count == kernelSize * kernelSize * inputs * outputs, "weight count mismatch")
        precondition(bias == nil || bias!.count == outputs, "bias count mismatch")
        self.kernelSize = kernelSize
        self.inputs = inputs
        self.outputs = outputs
        self.values = values
        self.bias = bias
        laneValues = Self.padOutputs(values, kernelSize: kernelSize, inputs: inputs, outputs: outputs)
        emptyTaps = Self.emptyTaps(values, kernelSize: kernelSize)
    }

    /// The same weights with their Winograd form in blocks of `blockSize` x `blockSize` outputs, where they have one
    /// (see `WinogradWeights`); the fast kernels then run the convolution in that form.
    public func withWinogradBlocks(_ blockSize: Int) -> ConvWeights {
        withWinogradBlocks(height: blockSize, width: blockSize)
    }

    /// The same, in blocks of `height` rows by `width` columns of outputs (each 2 or 4).
    public func withWinogradBlocks(height: Int, width: Int) -> ConvWeights {
        var copy = self
        copy.winograd = WinogradWeights(kernelSize: kernelSize, inputs: inputs, outputs: outputs, values: values,
                                        emptyTaps: emptyTaps, blockHeight: height, blockWidth: width)
        return copy
    }

    static func emptyTaps(_ values: [Float], kernelSize: Int) -> UInt32 {
        let taps = kernelSize * kernelSize
        guard taps <= 32, !values.isEmpty else { return 0 }
        let perTap = values.count / taps
        var empty: UInt32 = 0
        for tap in 0..<taps where values[(tap * perTap)..<((tap + 1) * perTap)].allSatisfy({ $0 == 0 }) {
            empty |= 1 << UInt32(tap)
        }
        return empty
    }

    static func laneOutputs(_ outputs: Int) -> Int { (outputs + 15) / 16 * 16 }

    static func padOutputs(_ values: [Float], kernelSize: Int, inputs: Int, outputs: Int) -> [Float] {
        let padded = laneOutputs(outputs)
        guard padded != outputs else { return values }
        let rows = kernelSize * kernelSize * inputs
        var lane = [Float](repeating: 0, count: rows * padded)
        for r in 0..<rows {
            for o in 0..<outputs { lane[r * padded + o] = values[r * outputs + o] }
        }
        return lane
    }

    /// Repacks a PyTorch `Conv2d` weight of shape (out, in, k, k).
    public init(pytorch weight: Tensor, bias: Tensor?) {
        let (o, i, k) = (weight.shape[0], weight.shape[1], weight.shape[2])
        precondition(weight.shape.count == 4 && weight.shape[3] == k, "expected a square conv kernel")
        var values = [Float](repeating: 0, count: weight.values.count)
        for co in 0..<o {
            for ci in 0..<i {
                for ky in 0..<k {
                    for kx in 0..<k {
                        values[((ky * k + kx) * i + ci) * o + co] = weight.values[((co * i + ci) * k + ky) * k + kx]
                    }
                }
            }
        }
        self.init(kernelSize: k, inputs: i, outputs: o, values: values, bias: bias?.values)
    }

    public func weight(ky: Int, kx: Int, input ci: Int, output co: Int) -> Float {
        values[((ky * kernelSize + kx) * inputs + ci) * outputs + co]
    }

    /// One convolution computing this one's outputs, then `other`'s first `count` outputs (same kernel size and
    /// inputs). A missing bias is zero; each output's sum is the same as in its own convolution.
    public func appendingOutputs(of other: ConvWeights, count: Int) -> ConvWeights {
        precondition(other.kernelSize == kernelSize && other.inputs == inputs && count <= other.outputs, "cannot join convolutions")
        let total = outputs + count
        let rows = kernelSize * kernelSize * inputs
        var joined = [Float](repeating: 0, count: rows * total)
        for r in 0..<rows {
            for o in 0..<outputs { joined[r * total + o] = values[r * outputs + o] }
            for o in 0..<count { joined[r * total + outputs + o] = other.values[r * other.outputs + o] }
        }
        let hasBias = bias != nil || other.bias != nil
        let joinedBias = (bias ?? [Float](repeating: 0, count: outputs)) + (other.bias.map { Array($0[0..<count]) } ?? [Float](repeating: 0, count: count))
        return ConvWeights(kernelSize: kernelSize, inputs: inputs, outputs: total, values: joined, bias: hasBias ? joinedBias : nil)
    }

    /// The same convolution with input and output channels selected and reordered:
    /// new input `j` is old input `inputOrder[j]`, new output `j` is old output `outputOrder[j]`.
    public func reordered(inputOrder: [Int], outputOrder: [Int]) -> ConvWeights {
        let k = kernelSize
        var values = [Float](repeating: 0, count: k * k * inputOrder.count * outputOrder.count)
        for tap in 0..<(k * k) {
            for (ni, ci) in inputOrder.enumerated() {
                for (no, co) in outputOrder.enumerated() {
                    values[(tap * inputOrder.count + ni) * outputOrder.count + no] = self.values[(tap * inputs + ci) * outputs + co]
                }
            }
        }
        return ConvWeights(kernelSize: k, inputs: inputOrder.count, outputs: outputOrder.count,
                           values: values, bias: bias.map { b in outputOrder.map { b[$0] } })
    }
}
