import Foundation

/// A tensor read from a safetensors file, converted to float32.
public struct Tensor: Sendable, Equatable {
    public let shape: [Int]
    public let values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "tensor shape does not match its values")
        self.shape = shape
        self.values = values
    }
}

/// Why a weight file could not be read. Every case carries enough detail for a person to act on.
public enum WeightFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case truncated(detail: String)
    case malformedHeader(detail: String)
    case unsupportedDType(tensor: String, dtype: String)
    case badTensor(tensor: String, detail: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "cannot read weight file \(path): \(reason)"
        case let .truncated(detail): "weight file is truncated: \(detail)"
        case let .malformedHeader(detail): "weight file header is malformed: \(detail)"
        case let .unsupportedDType(tensor, dtype): "tensor \(tensor) has unsupported dtype \(dtype) (F32, F16 and BF16 are supported)"
        case let .badTensor(tensor, detail): "tensor \(tensor) is invalid: \(detail)"
        }
    }
}

/// The safetensors container: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the raw little-endian data.
public struct SafeTensorsFile: Sendable {
    public let tensors: [String: Tensor]
    public let metadata: [String: String]

    /// Headers larger than this are refused before parsing: real ones are a few kilobytes.
    static let maxHeaderBytes = 16 << 20

    public init(contentsOf url: URL) throws(WeightFileError) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(bytes: data)
    }

    public init<Bytes: Collection<UInt8>>(bytes: Bytes) throws(WeightFileError) where Bytes.Index == Int {
        let base = bytes.startIndex
        guard bytes.count >= 8 else { throw .truncated(detail: "\(bytes.count) bytes, fewer than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[base + i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw .malformedHeader(detail: "declared header length \(headerLength) exceeds \(Self.maxHeaderBytes) bytes")
        }
        let dataStart = 8 + Int(headerLength)
        guard bytes.count >= dataStart else {
            throw .truncated(detail: "header declares \(headerLength) bytes but the file has \(bytes.count - 8) after the length")
        }
        let headerBytes = Data(bytes[(base + 8)..<(base + dataStart)])
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw .malformedHeader(detail: "header is not valid JSON")
        }
        guard let entries = json as? [String: Any] else { throw .malformedHeader(detail: "header is not a JSON object") }

        let dataLength = bytes.count - dataStart
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, entry) in entries {
            if name == "__metadata__" {
                guard let pairs = entry as? [String: Any] else { throw .malformedHeader(detail: "__metadata__ is not an object") }
                for (key, value) in pairs {
                    guard let text = value as? String else { throw .malformedHeader(detail: "__metadata__ value for \(key) is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let fields = entry as? [String: Any],
                  let dtype = fields["dtype"] as? String,
                  let shapeValues = fields["shape"] as? [Any],
                  let offsetValues = fields["data_offsets"] as? [Any], offsetValues.count == 2
            else { throw .malformedHeader(detail: "entry \(name) lacks dtype, shape or data_offsets") }
            let shape = try Self.integers(shapeValues, field: "shape", tensor: name)
            let offsets = try Self.integers(offsetValues, field: "data_offsets", tensor: name)
            guard shape.allSatisfy({ $0 >= 0 }) else { throw .badTensor(tensor: name, detail: "negative dimension in \(shape)") }
            guard let elementSize = Self.elementSize(dtype) else { throw .unsupportedDType(tensor: name, dtype: dtype) }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else { throw .badTensor(tensor: name, detail: "data_offsets [\(begin), \(end)] are not ordered") }
            guard end <= dataLength else {
                throw .truncated(detail: "tensor \(name) ends at byte \(end) of the data section but it has only \(dataLength)")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, dim in
                let (product, o) = acc.0.multipliedReportingOverflow(by: dim)
                return (product, acc.1 || o)
            }
            guard !overflow, count.multipliedReportingOverflow(by: elementSize).partialValue == end - begin else {
                throw .badTensor(tensor: name, detail: "shape \(shape) of \(dtype) needs \(count * elementSize) bytes, offsets give \(end - begin)")
            }
            ranges.append((begin, end, name))
            let tensorBytes = bytes[(base + dataStart + begin)..<(base + dataStart + end)]
            tensors[name] = Tensor(shape: shape, values: Self.decode(tensorBytes, count: count, dtype: dtype))
        }
        ranges.sort { $0.0 < $1.0 }
        for (a, b) in zip(ranges, ranges.dropFirst()) where b.0 < a.1 {
            throw .badTensor(tensor: b.2, detail: "its bytes overlap tensor \(a.2)")
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    private static func integers(_ values: [Any], field: String, tensor: String) throws(WeightFileError) -> [Int] {
        var result: [Int] = []
        for value in values {
            guard let number = value as? NSNumber else { throw .malformedHeader(detail: "\(field) of \(tensor) holds a non-number") }
            let double = number.doubleValue
            // Bounded well below Int.max so that later products cannot overflow silently.
            guard double.rounded() == double, double >= 0, double < 1e15 else {
                throw .malformedHeader(detail: "\(field) of \(tensor) holds \(double), not a non-negative integer")
            }
            result.append(Int(double))
        }
        return result
    }

    private static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F32": 4
        case "F16", "BF16": 2
        default: nil
        }
    }

    /// Little-endian values of `dtype` as floats. Contiguous bytes (arrays, `Data`, the embedded models' buffers) are read
    /// through one pointer: read through the generic subscript, a byte at a time, a 4 MB model took a call and an
    /// allocation per byte.
    private static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes, count: Int, dtype: String) -> [Float] {
        if let values = bytes.withContiguousStorageIfAvailable({ decode(UnsafeRawBufferPointer($0), count: count, dtype: dtype) }) {
            return values
        }
        return Array(bytes).withUnsafeBytes { decode($0, count: count, dtype: dtype) }
    }

    private static func decode(_ raw: UnsafeRawBufferPointer, count: Int, dtype: String) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { values, initialized in
            switch dtype {
            case "F32":
                for i in 0..<count {
                    values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            case "F16":
                for i in 0..<count {
                    values[i] = HalfPrecision.float(fromHalf: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            default: // BF16: the upper half of a float32
                for i in 0..<count {
                    let half = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    values[i] = Float(bitPattern: UInt32(half) << 16)
                }
            }
            initialized = count
        }
    }
}

/// IEEE 754 binary16 to binary32, written out so it behaves the same on every platform.
enum HalfPrecision {
    static func float(fromHalf h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1f
        var mantissa = UInt32(h & 0x3ff)
        switch exponent {
        case 0:
            if mantissa == 0 { return Float(bitPattern: sign) }
            // Subnormal half: normalise it into a float32.
            var e = -1
            repeat { mantissa <<= 1; e += 1 } while mantissa & 0x400 == 0
            mantissa &= 0x3ff
            return Float(bitPattern: sign | UInt32(127 - 15 - e) << 23 | mantissa << 13)
        case 31:
            return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | mantissa << 13)
        }
    }
}
