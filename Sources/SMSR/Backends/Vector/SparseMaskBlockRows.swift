import SMSRCPU

/// The sparse mask block on the fast kernels, two rows at a time: a wavefront computes layer 0 at rows y and y+1,
/// layer 1 at rows y-1 and y, layer 2 at y-2 and y-1 and layer 3 at y-3 and y-2, then the 1x1 collect of all four
/// layers at those two rows in one pass each (`LayerCollect`). Each layer keeps only the few rows still to be read, so
/// the intermediate maps stay in cache instead of making four whole-map round trips through memory per layer. A
/// layer's masked passes over both rows run as one: its weights (more than the L2 holds with the other layers') are
/// read once per two rows, and the rows' tiles share product tiles.
///
/// Threads take horizontal stripes of about equal estimated work, and a thread done early takes the last rows of
/// another's stripe (`StripeSchedule`). A stripe recomputes the few layer rows above and below it that its own rows
/// depend on (3, 2 and 1 for layers 0, 1 and 2), and writes only its own output rows. The arithmetic per value is the
/// kernels' own, so the result does not depend on the stripes.
extension SparseMaskBlock {
    /// Rows each layer computes per wavefront step.
    static let rowsPerStep = 2

    /// Rows kept for layer `i` of `count`: the next layer reads rowsPerStep + 2 of them in a step, and the collect
    /// reads row y of every layer in the step that the last layer writes it, when layer i has written
    /// count - 1 - i more rows.
    static func ringRows(layer i: Int, of count: Int) -> Int {
        i == count - 1 ? rowsPerStep : max(rowsPerStep + 2, rowsPerStep + count - 1 - i)
    }

    /// The most dense outputs a layer computes with positions along the vectors at its unmasked pixels (more fill a
    /// 16-lane vector of outputs well enough).
    static let planarOutputs = 12

    /// The fewest output rows a thread takes from another's stripe (recomputing about 1.5 rows' work above them).
    static let shortestSplit = 4

    /// Returns the block output's channel means (for channel attention), summed as `Pooling.globalAverage`
    /// sums them, row by row as the rows are finished.
    ///
    /// `firstLayer`, when given, already holds layer 0's dense outputs (after ReLU) at every pixel, in channels
    /// `offset..<offset+d0` of each pixel (see `JointFirstConvolution`); layer 0 then computes only the rest.
    /// `rowPairs`, per layer, takes the masked passes' runs of neighbouring pixels in tiles of `RowPairWeights.tileSizes`
    /// (4 and 2) by Winograd's F(m, 3) along the row (`RowPairWinograd`; empty or nil: every masked pixel sums its taps
    /// directly).
    /// `stripes`, when given, replaces the stripes of equal estimated work that the threads start from.
    @discardableResult
    func runRows(_ input: FeatureMap, mask: SpatialMask, kernels: SIMDKernels, firstLayer: (map: FeatureMap, offset: Int)? = nil,
                 rowPairs: [RowPairWeights?] = [], stripes initial: [Range<Int>]? = nil, into output: inout FeatureMap) -> [Float] {
        let (h, w, c) = (input.height, input.width, input.channels)
        precondition(mask.height == h && mask.width == w, "mask size mismatch")
        precondition(layers.allSatisfy { $0.outputs == c } && collect.allSatisfy { $0.inputs == c && $0.outputs == c },
                     "block shape mismatch")
        if output.height != h || output.width != w || output.channels != c {
            output = FeatureMap(uninitializedHeight: h, width: w, channels: c)
        }
        guard h > 0 && w > 0 else { return [Float](repeating: 0, count: c) }
        let stripes = initial ?? Self.stripes(mask: mask, count: min(kernels.team.threads, max(1, h / 8)), work: pixelWork())
        let schedule = StripeSchedule(initial: stripes, shortest: Self.shortestSplit)
        var rowSums = [Double](repeating: 0, count: h * c)
        if let firstLayer {
            precondition(firstLayer.map.height == h && firstLayer.map.width == w
                          && firstLayer.offset + splits[0].dense.count <= firstLayer.map.channels, "first layer map mismatch")
        }
        precondition(rowPairs.isEmpty || rowPairs.count == layers.count, "row pair weights per layer")
        let pairLayers = rowPairs.indices.filter { rowPairs[$0] != nil }
        let fours = RowPairWeights.tileSizes.contains(4)
        precondition(pairLayers.allSatisfy { l in
            RowPairWeights.tileSizes.allSatisfy { !rowPairs[l]!.values(size: $0).isEmpty } }, "row tile weights for every size taken")
        // Per layer taking tiles: the pairs' and fours' one array.
        let weights = layers.map(\.laneValues) + [joinedCollect.weights, joinedCollect.bias]
            + pairLayers.map { rowPairs[$0]!.values }
        let firstValues = firstLayer?.map.values ?? []
        rowSums.withUnsafeMutableBufferPointer { sums in
            input.values.withUnsafeBufferPointer { x in
                output.values.withUnsafeMutableBufferPointer { o in
                    mask.bits.withUnsafeBufferPointer { bits in
                        mask.ones.withUnsafeBufferPointer { ones in
                            mask.zeros.withUnsafeBufferPointer { zeros in
                                firstValues.withUnsafeBufferPointer { first in
                                    withPointers(weights) { pointers in
                                        var pairWeights = [RowTilePointers?](repeating: nil, count: layers.count)
                                        for (k, l) in pairLayers.enumerated() {
                                            pairWeights[l] = RowTilePointers(pairs: pointers[layers.count + 2 + k], fours: fours)
                                        }
                                        let rows = RowSources(input: x.baseAddress!, output: o.baseAddress!, bits: bits.baseAddress!,
                                                              ones: ones.baseAddress, zeros: zeros.baseAddress, weights: pointers,
                                                              rowPairs: pairWeights,
                                                              rowSums: sums.baseAddress!,
                                                              firstLayer: firstLayer.map { (first.baseAddress! + $0.offset, $0.map.channels) })
                                        // Stripes write disjoint output rows; everything else they read is shared and fixed.
                                        nonisolated(unsafe) let shared = rows
                                        kernels.team.forEachChunk(kernels.team.threads, chunksPerThread: 1) { _ in
                                            while let (index, rows) = schedule.take() {
                                                runStripe(rows, index: index, schedule: schedule, sources: shared, mask: mask,
                                                          kernels: kernels, height: h, width: w)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var totals = [Double](repeating: 0, count: c)
        for y in 0..<h {
            for ch in 0..<c { totals[ch] += rowSums[y * c + ch] }
        }
        return totals.map { Float($0 / Double(h * w)) }
    }

    /// Output rows `rows` of the block, with the layer rows they depend on; stripe `index` of `schedule`, which may
    /// hand the stripe's last rows to another thread meanwhile.
    private func runStripe(_ rows: Range<Int>, index: Int, schedule: StripeSchedule, sources: RowSources, mask: SpatialMask,
                           kernels: SIMDKernels, height h: Int, width w: Int) {
        let c = layers[0].outputs
        let layerCount = layers.count
        // Layer i is needed from row lower[i] on: the stripe widened by the layers still to come (likewise below its end).
        let lower = (0..<layerCount).map { max(0, rows.lowerBound - (layerCount - 1 - $0)) }
        let ringRows = (0..<layerCount).map { Self.ringRows(layer: $0, of: layerCount) }
        let ringStarts = ringRows.indices.map { ringRows[..<$0].reduce(0, +) * w * c }
        let ringTotal = ringRows.reduce(0, +) * w * c
        let rings = UnsafeMutablePointer<Float>.allocate(capacity: ringTotal)
        rings.initialize(repeating: 0, count: ringTotal)
        defer { rings.deallocate() }
        // Layer l's row y in its ring.
        func ringRow(_ l: Int, _ y: Int) -> UnsafeMutablePointer<Float> { rings + ringStarts[l] + (y % ringRows[l]) * w * c }
        let (collectWeights, collectBias) = (sources.weights[layerCount], sources.weights[layerCount + 1])

        // Channel-by-channel copies of layer rows' dense outputs, the next layer's inputs for `PlanarRow`: per layer a
        // ring of three rows, `planarPitch` floats per channel with pixel x at column x + 1 and zeros around the row
        // (64 columns past it: a kernel tile reads whole spans of positions).
        let planarPitch = w + 2 + 64
        let planarChannels = max(1, splits.map(\.dense.count).max() ?? 0)
        let planarSize = 3 * planarChannels * planarPitch
        let planarRings = UnsafeMutablePointer<Float>.allocate(capacity: layerCount * planarSize)
        planarRings.initialize(repeating: 0, count: layerCount * planarSize)
        defer { planarRings.deallocate() }
        var planarRows = [Int](repeating: Int.min, count: layerCount * 3)

        // Layer l's row r in the planar ring, copied there once (rows outside the image are zeros).
        func planar(layer l: Int, row r: Int) -> UnsafePointer<Float> {
            let slot = (r + 3) % 3
            let base = planarRings + l * planarSize + slot * planarChannels * planarPitch
            guard planarRows[l * 3 + slot] != r else { return UnsafePointer(base) }
            let dense = splits[l].dense.count
            if r < 0 || r >= h {
                for ci in 0..<dense { (base + ci * planarPitch + 1).update(repeating: 0, count: w) }
            } else {
                // Sixteen pixels at a time, so that both their channels and the planar rows' pieces stay in L1.
                let source = ringRow(l, r)
                var x0 = 0
                while x0 < w {
                    let end = min(x0 + 16, w)
                    for ci in 0..<dense {
                        let target = base + ci * planarPitch + 1
                        for x in x0..<end { target[x] = source[x * c + ci] }
                    }
                    x0 = end
                }
            }
            planarRows[l * 3 + slot] = r
            return UnsafePointer(base)
        }

        // A layer's 3x3 convolution at the positions of row y, unmasked then masked.
        func job(layer i: Int) -> smsr_convolution {
            let input = i == 0 ? sources.input : UnsafePointer(rings + ringStarts[i - 1])
            return smsr_convolution(
                input: input, height: h, width: w, input_channels: c, dense_inputs: c, used_inputs: c, mask: nil,
                kernel_size: 3, weights: sources.weights[i], padded_outputs: layers[i].laneOutputs, bias: nil,
                output: rings + ringStarts[i], output_channels: c, computed_outputs: c, cleared_outputs: c,
                accumulate: 0, relu: 1, input_ring_rows: i > 0 ? ringRows[i - 1] : 0, output_ring_rows: ringRows[i],
                positions: nil, first: 0, count: 0, empty_taps: layers[i].emptyTaps, bias_last: 0)
        }

        // The block output's row y: the collect bias plus every layer's 1x1 collect of its row y.
        func collectRow(_ y: Int) {
            var job = smsr_layer_collect()
            withUnsafeMutableBytes(of: &job.layers) { raw in
                let rows = raw.bindMemory(to: UnsafePointer<Float>?.self)
                for i in 0..<layerCount { rows[i] = UnsafePointer(ringRow(i, y)) }
            }
            withUnsafeMutableBytes(of: &job.dense_inputs) { raw in
                let dense = raw.bindMemory(to: Int.self)
                for i in 0..<layerCount { dense[i] = splits[i].dense.count }
            }
            job.layer_count = layerCount
            job.channels = c
            job.width = w
            job.mask = sources.bits + y * w
            job.weights = collectWeights
            job.padded_outputs = collect[0].laneOutputs
            job.bias = collectBias
            job.output = sources.output + y * w * c
            kernels.execute(job)
        }

        // A ring slot holds every ringRows[i]-th row of a layer. The next layer reads sparse channels as stored, so they
        // must be 0 wherever the stored row is unmasked; they are nonzero only at the masked pixels of the row stored
        // before (slots start zeroed), so only those are cleared, not every pixel, and not those masked in the new row
        // too, whose masked pass writes every sparse channel.
        func clearPreviousRow(layer i: Int, row y: Int, from dense: Int) {
            let previous = y - ringRows[i]
            guard previous >= lower[i], dense < c, let ones = sources.ones else { return }
            let slot = ringRow(i, y)
            let (start, count) = mask.onesInRow(previous)
            let now = sources.bits + y * w
            for k in start..<(start + count) {
                let x = Int(ones[k]) - previous * w
                guard now[x] == 0 else { continue }
                (slot + x * c + dense).update(repeating: 0, count: c - dense)
            }
        }

        // Masked pixels break the unmasked ones into short pieces, which the kernels gather position by position.
        // Where fewer than half of row y is masked, the unmasked pass covers the whole row instead, as row runs; at
        // masked pixels its values are then overwritten.
        func wholeRow(_ y: Int) -> Bool { mask.onesInRow(y).count * 2 < w }

        // Whether a layer's pass before the masked one (or the copy of layer 0's dense outputs) wrote the dense
        // outputs at row y's masked pixels too: every input is dense there (layer 0), so they are the right ones, and
        // the masked pass starts at the first whole 16-output group past them. The sums of the outputs it still
        // computes are the same, so the result does not change.
        func denseDone(y: Int, denseInputs: Int) -> Bool {
            denseInputs == c && (wholeRow(y) || sources.firstLayer != nil)
        }

        // Row y's pass over its unmasked pixels (or the whole row), which writes the dense outputs.
        func unmaskedPass(_ template: smsr_convolution, layer: Int, y: Int, denseInputs: Int, denseOutputs: Int) {
            var unmasked = template
            if wholeRow(y) {
                unmasked.first = y * w
                unmasked.count = w
            } else {
                let (zeroStart, zeroCount) = mask.zerosInRow(y)
                unmasked.positions = sources.zeros.map { $0 + zeroStart }
                unmasked.count = zeroCount
            }
            unmasked.dense_inputs = denseInputs
            unmasked.used_inputs = denseInputs
            if layer == 0, let (first, stride) = sources.firstLayer {
                // Layer 0's dense outputs were computed with the mask generator: copied in.
                let ring = ringRow(0, y)
                for p in 0..<w { (ring + p * c).update(from: first + (y * w + p) * stride, count: denseOutputs) }
                clearPreviousRow(layer: 0, row: y, from: denseOutputs)
            } else if layer > 0 && denseInputs > 0 && denseOutputs > 0 && denseOutputs <= Self.planarOutputs {
                // A few dense outputs: computed with positions along the vectors (see `PlanarRow`), over the whole row
                // however much of it is masked: so few outputs cost less than gathering the unmasked pieces.
                var job = smsr_planar_row()
                withUnsafeMutableBytes(of: &job.planar) { raw in
                    let rows = raw.bindMemory(to: UnsafePointer<Float>?.self)
                    for ky in 0..<3 { rows[ky] = planar(layer: layer - 1, row: y + ky - 1) }
                }
                job.pitch = planarPitch
                job.width = w
                job.inputs = denseInputs
                job.weights = template.weights
                job.weight_inputs = c
                job.padded_outputs = template.padded_outputs
                job.outputs = denseOutputs
                job.output = ringRow(layer, y)
                job.output_channels = c
                kernels.execute(job)
                clearPreviousRow(layer: layer, row: y, from: denseOutputs)
            } else {
                // Dense outputs from dense inputs; the sparse outputs are left 0 for the next layer's row runs.
                unmasked.computed_outputs = denseOutputs
                unmasked.cleared_outputs = denseOutputs
                kernels.execute(unmasked)
                clearPreviousRow(layer: layer, row: y, from: denseOutputs)
            }
        }

        // The masked pass of rows `ys` (consecutive, alike in `denseDone`) as one: their masked pixels follow each
        // other in the mask's list, and tiles never run past a row's end.
        func maskedPass(_ template: smsr_convolution, layer: Int, rows ys: Range<Int>, denseInputs: Int, denseOutputs: Int) {
            let oneStart = mask.onesInRow(ys.lowerBound).start
            let last = mask.onesInRow(ys.upperBound - 1)
            guard last.start + last.count > oneStart else { return }
            // Outputs before `done` are written already.
            let done = denseDone(y: ys.lowerBound, denseInputs: denseInputs) ? denseOutputs / 16 * 16 : 0
            var masked = template
            masked.positions = sources.ones.map { $0 + oneStart }
            masked.count = last.start + last.count - oneStart
            masked.dense_inputs = denseInputs
            masked.mask = sources.bits
            masked.output += done
            masked.weights += done
            masked.computed_outputs -= done
            masked.cleared_outputs -= done
            if let tiles = sources.rowPairs[layer] {
                return kernels.execute(masked, rowPairs: tiles.pairs + done, fours: tiles.fours)
            }
            kernels.execute(masked)
        }

        // Layer i at rows `ys`: each row's unmasked pass, then the masked passes of runs of rows alike in `denseDone`.
        func computeRows(_ template: smsr_convolution, layer i: Int, rows ys: Range<Int>) {
            let (dense, denseOutputs) = (denseInputs(layer: i), splits[i].dense.count)
            for y in ys { unmaskedPass(template, layer: i, y: y, denseInputs: dense, denseOutputs: denseOutputs) }
            var start = ys.lowerBound
            while start < ys.upperBound {
                var end = start + 1
                let alike = denseDone(y: start, denseInputs: dense)
                while end < ys.upperBound && denseDone(y: end, denseInputs: dense) == alike { end += 1 }
                maskedPass(template, layer: i, rows: start..<end, denseInputs: dense, denseOutputs: denseOutputs)
                start = end
            }
        }

        let templates = (0..<layerCount).map { job(layer: $0) }
        // Step s computes layer i at rows lower[0] + R * s - i ..< + R (R = rowsPerStep); the last layer's rows end the
        // wavefront. The end is asked for at every step: rows from the last layer's first row of the step on may have
        // gone to another thread, and every row this step computes is still needed then.
        let perStep = Self.rowsPerStep
        var step = 0
        while true {
            let last = lower[0] + perStep * step - (layerCount - 1)
            let end = schedule.end(of: index, writing: last + perStep - 1)
            guard last < end else { break }
            defer { step += 1 }
            for i in 0..<layerCount {
                let first = lower[0] + perStep * step - i
                let (top, bottom) = (max(first, lower[i]), min(first + perStep, h, end + layerCount - 1 - i))
                guard top < bottom else { continue }
                let ys = top..<bottom
                computeRows(templates[i], layer: i, rows: ys)
                guard i == layerCount - 1 else { continue }
                // Every layer's rows ys exist now (layer 0's are the oldest rows of its ring): they are final.
                for y in ys where y >= rows.lowerBound {
                    collectRow(y)
                    kernels.addChannelSums(sources.output + y * w * c, pixels: w, channels: c, into: sources.rowSums + y * c)
                }
            }
        }
    }

    /// Multiply-adds per pixel as the kernels issue them. An unmasked pixel computes each layer's dense outputs,
    /// rounded up to whole 16-lane vectors, from the dense inputs, and the collect of the dense outputs; a masked
    /// pixel computes every output of every layer from all inputs, and the whole collect. With the official
    /// model's splits a masked pixel is 6-18 times an unmasked one. Layers whose few dense outputs run along the
    /// vectors (`PlanarRow`) issue less than this at unmasked pixels; the figure only weighs the stripes.
    func pixelWork() -> (unmasked: Int, masked: Int) {
        var unmasked = 0
        var masked = 0
        for (i, layer) in layers.enumerated() {
            let taps = layer.kernelSize * layer.kernelSize
            let denseOutputs = splits[i].dense.count
            unmasked += taps * denseInputs(layer: i) * (denseOutputs + 15) / 16 * 16 + denseOutputs * collect[i].outputs
            masked += taps * layer.inputs * layer.outputs + layer.outputs * collect[i].outputs
        }
        return (unmasked, masked)
    }

    /// `count` horizontal stripes of about equal work, a row's work being its unmasked pixels times
    /// `work.unmasked` plus its masked pixels times `work.masked`.
    static func stripes(mask: SpatialMask, count: Int, work: (unmasked: Int, masked: Int)) -> [Range<Int>] {
        let h = mask.height
        guard count > 1 else { return [0..<h] }
        let cost = (0..<h).map { y in
            let ones = mask.onesInRow(y).count
            return (mask.width - ones) * max(work.unmasked, 1) + ones * max(work.masked, 1)
        }
        let total = cost.reduce(0, +)
        var bounds = [0]
        var sum = 0
        for y in 0..<h {
            sum += cost[y]
            if bounds.count < count && sum * count >= total * bounds.count && y + 1 < h { bounds.append(y + 1) }
        }
        bounds.append(h)
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }
    }
}

/// The shared inputs of one block run, as raw pointers for the stripes.
private struct RowSources {
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let bits: UnsafePointer<UInt8>
    let ones: UnsafePointer<Int32>?
    let zeros: UnsafePointer<Int32>?
    /// Layer weights, then the collects' weights joined (layer after layer), then the collect bias (padded).
    let weights: [UnsafePointer<Float>]
    /// Per layer, its weights for tiles of masked pixels (`RowPairWeights`), or nil.
    let rowPairs: [RowTilePointers?]
    /// Per output row, the sum of each channel (height x channels).
    let rowSums: UnsafeMutablePointer<Double>
    /// Layer 0's dense outputs at pixel 0 and the pixel stride, when computed beforehand.
    let firstLayer: (values: UnsafePointer<Float>, stride: Int)?
}

/// A layer's weights for tiles of 2 and 4 masked pixels (`RowPairWeights`): the pairs' array, whose components 3 and 4
/// tiles of 4 read too where `fours` is set.
private struct RowTilePointers {
    let pairs: UnsafePointer<Float>
    let fours: Bool
}
