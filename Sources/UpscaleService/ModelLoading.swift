import Foundation
import SMSR

/// A network ready to run, with where it came from.
public struct LoadedModel: Sendable {
    public let network: SMSRNetwork
    /// A file path, or `embedded:xN` for a built-in default.
    public let source: String

    public init(network: SMSRNetwork, source: String) {
        self.network = network
        self.source = source
    }

    public var scale: Int { network.scale }
}

/// Why no model could be provided.
public enum ModelLoadingError: Error, Sendable, CustomStringConvertible {
    case file(path: String, reason: String)
    case noEmbeddedModel(scale: Int?)
    case scaleMismatch(path: String, fileScale: Int, requested: Int)

    public var description: String {
        switch self {
        case let .file(path, reason): "cannot load model \(path): \(reason)"
        case let .noEmbeddedModel(scale):
            "no embedded default model\(scale.map { " for scale \($0)" } ?? "") in this build; pass one with --model FILE.safetensors"
        case let .scaleMismatch(path, fileScale, requested):
            "model \(path) is for scale \(fileScale), but scale \(requested) was requested"
        }
    }
}

public enum ModelLoading {
    /// Loads `path` if given (checking it against `scale` when both are given), else the embedded default
    /// for `scale`.
    public static func load(path: String?, scale: Int?) throws(ModelLoadingError) -> LoadedModel {
        guard let path else { throw .noEmbeddedModel(scale: scale) }
        let weights: WeightSet
        do {
            weights = try WeightSet(file: try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as WeightFileError {
            throw .file(path: path, reason: error.description)
        } catch let error as WeightSetError {
            throw .file(path: path, reason: error.description)
        } catch {
            throw .file(path: path, reason: "\(error)")
        }
        if let scale, scale != weights.scale { throw .scaleMismatch(path: path, fileScale: weights.scale, requested: scale) }
        return LoadedModel(network: SMSRNetwork(weights: weights), source: path)
    }
}
