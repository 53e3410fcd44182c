/// The obviously-right implementations: one output pixel at a time, straight from the definitions.
/// The inner loop runs over contiguous output channels so that these stay usable on whole images.
public struct ReferenceKernels: ConvolutionKernels {
    public init() {}

    public func convolve(_ input: FeatureMap, _ weights: ConvWeights, relu: Bool) -> FeatureMap {
        precondition(input.channels == weights.inputs, "convolution input channel mismatch")
        let (h, w, cin, cout, k) = (input.height, input.width, input.channels, weights.outputs, weights.kernelSize)
        let pad = k / 2
        var output = FeatureMap(height: h, width: w, channels: cout)
        let accumulator = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(cout, 1))
        defer { accumulator.deallocate() }
        input.values.withUnsafeBufferPointer { x in
            weights.values.withUnsafeBufferPointer { wt in
                output.values.withUnsafeMutableBufferPointer { out in
                    for y in 0..<h {
                        for xx in 0..<w {
                            if let bias = weights.bias {
                                for co in 0..<cout { accumulator[co] = bias[co] }
                            } else {
                                for co in 0..<cout { accumulator[co] = 0 }
                            }
                            for ky in 0..<k {
                                let iy = y + ky - pad
                                if iy < 0 || iy >= h { continue }
                                for kx in 0..<k {
                                    let ix = xx + kx - pad
                                    if ix < 0 || ix >= w { continue }
                                    let pixel = (iy * w + ix) * cin
                                    let tap = (ky * k + kx) * cin
                                    for ci in 0..<cin {
                                        let v = x[pixel + ci]
                                        let row = (tap + ci) * cout
                                        for co in 0..<cout { accumulator[co] += wt[row + co] * v }
                                    }
                                }
                            }
                            let base = (y * w + xx) * cout
                            for co in 0..<cout { out[base + co] = relu ? max(accumulator[co], 0) : accumulator[co] }
                        }
                    }
                }
            }
        }
        return output
    }

    public func sparseConvolve(_ input: FeatureMap, denseInputs: Int, _ weights: ConvWeights, denseOutputs: Int,
                               mask: SpatialMask) -> FeatureMap {
        precondition(weights.kernelSize == 3 && input.channels == weights.inputs, "sparse convolution shape mismatch")
        precondition(mask.height == input.height && mask.width == input.width, "mask size mismatch")
        let (h, w, cin, cout) = (input.height, input.width, input.channels, weights.outputs)
        var output = FeatureMap(height: h, width: w, channels: cout)
        let accumulator = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(cout, 1))
        defer { accumulator.deallocate() }
        input.values.withUnsafeBufferPointer { x in
            weights.values.withUnsafeBufferPointer { wt in
                output.values.withUnsafeMutableBufferPointer { out in
                    for y in 0..<h {
                        for xx in 0..<w {
                            let masked = mask[y, xx]
                            // Unmasked pixels compute only the dense outputs, from the dense inputs only.
                            let outputs = masked ? cout : denseOutputs
                            for co in 0..<outputs { accumulator[co] = 0 }
                            for ky in 0..<3 {
                                let iy = y + ky - 1
                                if iy < 0 || iy >= h { continue }
                                for kx in 0..<3 {
                                    let ix = xx + kx - 1
                                    if ix < 0 || ix >= w { continue }
                                    let inputs = masked && mask[iy, ix] ? cin : denseInputs
                                    let pixel = (iy * w + ix) * cin
                                    let tap = (ky * 3 + kx) * cin
                                    for ci in 0..<inputs {
                                        let v = x[pixel + ci]
                                        let row = (tap + ci) * cout
                                        for co in 0..<outputs { accumulator[co] += wt[row + co] * v }
                                    }
                                }
                            }
                            let base = (y * w + xx) * cout
                            for co in 0..<outputs { out[base + co] = max(accumulator[co], 0) }
                        }
                    }
                }
            }
        }
        return output
    }

    public func accumulatePointwise(_ input: FeatureMap, denseInputs: Int, _ weights: ConvWeights, mask: SpatialMask?,
                                    into accumulator: inout FeatureMap) {
        precondition(weights.kernelSize == 1 && input.channels == weights.inputs, "pointwise shape mismatch")
        precondition(accumulator.channels == weights.outputs && accumulator.pixelCount == input.pixelCount, "accumulator mismatch")
        let (cin, cout) = (input.channels, weights.outputs)
        input.values.withUnsafeBufferPointer { x in
            weights.values.withUnsafeBufferPointer { wt in
                accumulator.values.withUnsafeMutableBufferPointer { acc in
                    for p in 0..<input.pixelCount {
                        let inputs = mask.map { $0.bits[p] != 0 ? cin : denseInputs } ?? cin
                        for ci in 0..<inputs {
                            let v = x[p * cin + ci]
                            for co in 0..<cout { acc[p * cout + co] += wt[ci * cout + co] * v }
                        }
                    }
                }
            }
        }
    }
}
