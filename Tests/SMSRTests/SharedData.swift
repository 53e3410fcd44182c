import Foundation
@testable import SMSR

/// The project's shared test material (`../shared` beside the repository).
enum SharedData {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared")

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static let officialX2 = url("models/smsr_x2_official.safetensors")

    static func manifest() throws -> [String: Any] {
        let data = try Data(contentsOf: url("reference/manifest.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static func floats(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: url(relative))
        return data.withUnsafeBytes { raw in Array(raw.bindMemory(to: Float.self)) }
    }

    static func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(relative))) }

    /// The official x2 network, loaded once.
    static let officialNetwork: SMSRNetwork = {
        do {
            return SMSRNetwork(weights: try WeightSet(file: try SafeTensorsFile(contentsOf: officialX2)))
        } catch {
            fatalError("the official weights in ../shared must load: \(error)")
        }
    }()
}
