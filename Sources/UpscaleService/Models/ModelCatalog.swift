import Foundation
import SMSR

/// The loaded models, one per scale, and which answers when a request names no scale.
public struct ModelCatalog: Sendable {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case empty
        case duplicateScale(Int, String, String)
        case noModelForDefault(Int, available: [Int])

        public var description: String {
            switch self {
            case .empty: "no model to serve"
            case let .duplicateScale(scale, a, b): "two models for scale \(scale): \(a) and \(b)"
            case let .noModelForDefault(scale, available):
                "no model for the default scale \(scale); loaded: \(available.map { "x\($0)" }.joined(separator: ", "))"
            }
        }
    }

    public let models: [LoadedModel]
    public let defaultScale: Int

    /// `defaultScale` nil picks x2 when loaded, else the first model given.
    public init(models: [LoadedModel], defaultScale: Int? = nil) throws(Failure) {
        guard let first = models.first else { throw .empty }
        var seen: [Int: String] = [:]
        for model in models {
            if let other = seen[model.scale] { throw .duplicateScale(model.scale, other, model.source) }
            seen[model.scale] = model.source
        }
        let scales = models.map(\.scale)
        let chosen = defaultScale ?? (scales.contains(2) ? 2 : first.scale)
        guard scales.contains(chosen) else { throw .noModelForDefault(chosen, available: scales) }
        self.models = models.sorted { $0.scale < $1.scale }
        self.defaultScale = chosen
    }

    public var scales: [Int] { models.map(\.scale) }

    public func model(scale: Int) -> LoadedModel? { models.first { $0.scale == scale } }

    /// `GET /v1/models`. A file source is reported by its name only: the server's directory layout
    /// is none of a client's business.
    struct Listing: Encodable {
        struct Entry: Encodable {
            var scale: Int
            var parameters: Int
            var source: String
            var sha256: String
            var `default`: Bool
        }

        var default_scale: Int
        var models: [Entry]
    }

    var listing: Listing {
        Listing(default_scale: defaultScale, models: models.map {
            .init(scale: $0.scale, parameters: $0.network.parameterCount,
                  source: $0.source.hasPrefix("embedded:") ? $0.source : URL(fileURLWithPath: $0.source).lastPathComponent,
                  sha256: $0.sha256, default: $0.scale == defaultScale)
        })
    }
}

extension ModelCatalog {
    /// Loads each model named (a weight file, or `embedded:xN` for one built into this binary), or
    /// every embedded model when none is named, and checks that `defaultScale` is among them.
    public static func load(paths: [String], defaultScale: Int?) throws(ModelLoadingError) -> ModelCatalog {
        var models: [LoadedModel] = []
        if paths.isEmpty {
            guard !EmbeddedModels.scales.isEmpty else { throw .noEmbeddedModel(scale: nil) }
            for scale in EmbeddedModels.scales { models.append(try ModelLoading.loadEmbedded(scale: scale)) }
        } else {
            for path in paths { models.append(try ModelLoading.load(path: path, scale: nil)) }
        }
        do {
            return try ModelCatalog(models: models, defaultScale: defaultScale)
        } catch {
            throw .catalog(error.description)
        }
    }
}
