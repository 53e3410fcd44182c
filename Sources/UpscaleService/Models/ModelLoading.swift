import DefaultModels
import Foundation
import SMSR

/// A network ready to run, with where it came from.
public struct LoadedModel: Sendable {
    public let network: SMSRNetwork
    /// A file path, or `embedded:xN` for one built into the binary.
    public let source: String
    /// SHA-256 of the weight file's bytes, hex.
    public let sha256: String

    public init(network: SMSRNetwork, source: String, sha256: String) {
        self.network = network
        self.source = source
        self.sha256 = sha256
    }

    public var scale: Int { network.scale }
    public var parameterCount: Int { network.parameterCount }
    public var metadata: [String: String] { network.metadata }
}

/// Why no model could be provided.
public enum ModelLoadingError: Error, Sendable, CustomStringConvertible {
    /// The file could not be read at all.
    case unreadable(path: String, reason: String)
    /// The bytes are not a usable SMSR weight file.
    case file(path: String, reason: String)
    case noEmbeddedModel(scale: Int?)
    case scaleMismatch(path: String, fileScale: Int, requested: Int)
    /// The models loaded do not make a catalog (two for one scale, none for the default scale).
    case catalog(String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "cannot load model \(path): \(reason)"
        case let .file(path, reason): "cannot load model \(path): \(reason)"
        case let .noEmbeddedModel(scale):
            "this build has no embedded default model\(scale.map { " for scale \($0)" } ?? "")"
                + " (built in: \(EmbeddedModels.scales.isEmpty ? "none" : EmbeddedModels.scales.map { "x\($0)" }.joined(separator: ", ")));"
                + " pass one with --model FILE.safetensors"
        case let .scaleMismatch(path, fileScale, requested):
            "model \(path) is for scale \(fileScale), but scale \(requested) was requested"
        case let .catalog(reason): reason
        }
    }
}

/// The default models compiled into this binary.
public enum EmbeddedModels {
    public static let scales: [Int] = [2, 3, 4].filter { bytes(scale: $0) != nil }

    /// The scale used when none is asked for: x2 if built in, else the smallest one.
    public static var defaultScale: Int? { scales.contains(2) ? 2 : scales.first }

    static func bytes(scale: Int) -> UnsafeRawBufferPointer? {
        var length = 0
        guard let start = smsr_default_model(Int32(scale), &length), length > 0 else { return nil }
        return UnsafeRawBufferPointer(start: start, count: length)
    }
}

public enum ModelLoading {
    /// What names an embedded model: `embedded:x4`.
    public static let embeddedPrefix = "embedded:"

    /// Loads `path` if given (a weight file, or `embedded:xN`; checked against `scale` when both are
    /// given), else the embedded model for `scale` (or the default scale).
    public static func load(path: String?, scale: Int?) throws(ModelLoadingError) -> LoadedModel {
        guard let path else { return try loadEmbedded(scale: scale) }
        if path.hasPrefix(embeddedPrefix) {
            let name = path.dropFirst(embeddedPrefix.count)
            guard name.hasPrefix("x"), let embedded = Int(name.dropFirst()) else {
                throw .file(path: path, reason: "an embedded model is named embedded:xN, as in embedded:x2")
            }
            if let scale, scale != embedded { throw .scaleMismatch(path: path, fileScale: embedded, requested: scale) }
            return try loadEmbedded(scale: embedded)
        }
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        let model = try load(bytes: bytes, source: path)
        if let scale, scale != model.scale { throw .scaleMismatch(path: path, fileScale: model.scale, requested: scale) }
        return model
    }

    public static func loadEmbedded(scale: Int?) throws(ModelLoadingError) -> LoadedModel {
        guard let chosen = scale ?? EmbeddedModels.defaultScale, let bytes = EmbeddedModels.bytes(scale: chosen) else {
            throw .noEmbeddedModel(scale: scale)
        }
        return try load(bytes: bytes, source: "embedded:x\(chosen)")
    }

    static func load<Bytes: Collection<UInt8>>(bytes: Bytes, source: String) throws(ModelLoadingError) -> LoadedModel
    where Bytes.Index == Int {
        do {
            let weights = try WeightSet(file: try SafeTensorsFile(bytes: bytes))
            return LoadedModel(network: SMSRNetwork(weights: weights), source: source, sha256: SHA256.hex(bytes))
        } catch let error as WeightFileError {
            throw .file(path: source, reason: error.description)
        } catch let error as WeightSetError {
            throw .file(path: source, reason: error.description)
        } catch {
            throw .file(path: source, reason: "\(error)")
        }
    }
}
