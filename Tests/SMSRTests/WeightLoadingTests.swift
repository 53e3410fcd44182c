import Foundation
import Testing
@testable import SMSR

@Suite struct WeightLoadingTests {
    @Test func officialWeightsLoadWithEveryTensor() throws {
        let file = try SafeTensorsFile(contentsOf: SharedData.officialX2)
        #expect(file.tensors.count == 99)
        let weights = try WeightSet(file: file)
        #expect(weights.scale == 2)
        #expect(weights.blockCount == 5 && weights.channels == 64 && weights.maskChannels == 16)
        #expect(weights.parameterCount == 987_330)
    }

    @Test func channelSplitsEqualManifest() throws {
        let manifest = try SharedData.manifest()
        let blocks = try #require(manifest["channel_split"] as? [[String: Any]])
        let splits = SharedData.officialNetwork.channelSplits
        #expect(splits.count == blocks.count)
        for (b, block) in blocks.enumerated() {
            let layers = try #require(block["layers"] as? [[String: Any]]).filter { $0["layer"] is Int }
            for (i, layer) in layers.enumerated() {
                #expect(splits[b][i].dense.count == layer["d_out"] as? Int, "block \(b) layer \(i) dense")
                #expect(splits[b][i].sparse.count == layer["s_out"] as? Int, "block \(b) layer \(i) sparse")
            }
        }
    }

    @Test func truncatedFileIsATypedError() throws {
        let bytes = try SharedData.bytes("models/smsr_x2_official.safetensors")
        #expect(throws: WeightFileError.self) { try SafeTensorsFile(bytes: Array(bytes.prefix(bytes.count / 2))) }
        #expect(throws: WeightFileError.self) { try SafeTensorsFile(bytes: Array(bytes.prefix(5))) }
        do {
            _ = try SafeTensorsFile(bytes: Array(bytes.prefix(bytes.count - 1)))
            Issue.record("a file one byte short must not load")
        } catch {
            guard case .truncated = error else { Issue.record("expected .truncated, got \(error)"); return }
        }
    }

    @Test func malformedHeadersAreTypedErrors() {
        let cases: [[UInt8]] = [
            SafeTensorsBuilder.wrap(headerText: Array("{not json".utf8), data: []),
            SafeTensorsBuilder.wrap(headerText: Array("[1, 2]".utf8), data: []),
            SafeTensorsBuilder.wrap(header: ["a": ["dtype": "F32", "shape": [2]]], data: [0, 0, 0, 0, 0, 0, 0, 0]),
            SafeTensorsBuilder.wrap(header: ["a": ["dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]]], data: Array(repeating: 0, count: 8)),
            SafeTensorsBuilder.wrap(header: ["a": ["dtype": "F32", "shape": [-2], "data_offsets": [0, 8]]], data: Array(repeating: 0, count: 8)),
            // Header length far beyond the file.
            [255, 255, 255, 0, 0, 0, 0, 0, 123],
        ]
        for bytes in cases {
            #expect(throws: WeightFileError.self) { try SafeTensorsFile(bytes: bytes) }
        }
    }

    @Test func inconsistentOffsetsAreRejected() {
        let data = [UInt8](repeating: 0, count: 16)
        let wrongSize = SafeTensorsBuilder.wrap(header: ["a": ["dtype": "F32", "shape": [3], "data_offsets": [0, 8]]], data: data)
        let pastEnd = SafeTensorsBuilder.wrap(header: ["a": ["dtype": "F32", "shape": [8], "data_offsets": [0, 32]]], data: data)
        let reversed = SafeTensorsBuilder.wrap(header: ["a": ["dtype": "F32", "shape": [0], "data_offsets": [8, 0]]], data: data)
        let overlapping = SafeTensorsBuilder.wrap(header: [
            "a": ["dtype": "F32", "shape": [2], "data_offsets": [0, 8]],
            "b": ["dtype": "F32", "shape": [2], "data_offsets": [4, 12]],
        ], data: data)
        let unknownType = SafeTensorsBuilder.wrap(header: ["a": ["dtype": "I64", "shape": [2], "data_offsets": [0, 16]]], data: data)
        for bytes in [wrongSize, pastEnd, reversed, overlapping] {
            #expect(throws: WeightFileError.self) { try SafeTensorsFile(bytes: bytes) }
        }
        #expect(throws: WeightFileError.unsupportedDType(tensor: "a", dtype: "I64")) { try SafeTensorsFile(bytes: unknownType) }
    }

    @Test func halfPrecisionIsConvertedToFloat() throws {
        // 1.0, -2.0, 0.5, 65504 (largest half), 2^-24 (smallest subnormal), +infinity.
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x7C00]
        var data: [UInt8] = []
        for h in halves { data += [UInt8(h & 0xff), UInt8(h >> 8)] }
        let bytes = SafeTensorsBuilder.wrap(header: ["h": ["dtype": "F16", "shape": [6], "data_offsets": [0, 12]],
                                                     "__metadata__": ["scale": "2"]], data: data)
        let file = try SafeTensorsFile(bytes: bytes)
        #expect(file.tensors["h"]?.values == [1, -2, 0.5, 65504, Float(sign: .plus, exponent: -24, significand: 1), .infinity])
        #expect(file.metadata == ["scale": "2"])
    }

    /// F32, BF16 and F16 decode the same from an array, `Data`, a slice that starts past 0 and a collection with no
    /// contiguous storage (read through its subscript instead of a pointer).
    @Test func everyDTypeDecodesAlikeFromEveryKindOfCollection() throws {
        let floats: [Float] = [1.5, -2, 3.25e-3, .infinity]
        var data: [UInt8] = []
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { data += $0 } }
        let brains: [UInt16] = [0x3F80, 0xC000, 0x3F00]  // bfloat16 1, -2, 0.5
        for b in brains { data += [UInt8(b & 0xff), UInt8(b >> 8)] }
        data += [0x00, 0x3C]  // float16 1
        let bytes = SafeTensorsBuilder.wrap(header: ["f": ["dtype": "F32", "shape": [4], "data_offsets": [0, 16]],
                                                     "b": ["dtype": "BF16", "shape": [3], "data_offsets": [16, 22]],
                                                     "h": ["dtype": "F16", "shape": [1], "data_offsets": [22, 24]]], data: data)
        let padded = [UInt8](repeating: 0xAB, count: 7) + bytes
        let files = [try SafeTensorsFile(bytes: bytes), try SafeTensorsFile(bytes: Data(bytes)),
                     try SafeTensorsFile(bytes: padded[7...]), try SafeTensorsFile(bytes: bytes.indices.lazy.map { bytes[$0] })]
        for file in files {
            #expect(file.tensors["f"]?.values == floats)
            #expect(file.tensors["b"]?.values == [1, -2, 0.5])
            #expect(file.tensors["h"]?.values == [1])
        }
    }

    @Test func missingOrMisshapenTensorsAreNamed() throws {
        var tensors = SafeTensorsBuilder.model(scale: 2) { _, n in [Float](repeating: 0, count: n) }
        #expect(throws: Never.self) { try WeightSet(tensors: tensors) }
        tensors["body.2.body.body.1.weight"] = nil
        #expect(throws: WeightSetError.missing("body.2.body.body.1.weight")) { try WeightSet(tensors: tensors) }
        tensors["body.2.body.body.1.weight"] = Tensor(shape: [64, 64, 3, 2], values: [Float](repeating: 0, count: 64 * 64 * 6))
        #expect(throws: WeightSetError.wrongShape(name: "body.2.body.body.1.weight", expected: [64, 64, 3, 3], found: [64, 64, 3, 2])) {
            try WeightSet(tensors: tensors)
        }
    }

    @Test(arguments: [2, 3, 4])
    func scaleIsInferredFromTheTail(_ scale: Int) throws {
        let tensors = SafeTensorsBuilder.model(scale: scale) { _, n in [Float](repeating: 0, count: n) }
        #expect(try WeightSet(tensors: tensors).scale == scale)
    }

    @Test func unsupportedScaleIsRejected() {
        let tensors = SafeTensorsBuilder.model(scale: 5) { _, n in [Float](repeating: 0, count: n) }
        #expect(throws: WeightSetError.unsupportedScale(5)) { try WeightSet(tensors: tensors) }
    }
}
