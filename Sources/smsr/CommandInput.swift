import Foundation
import UpscaleService

enum CommandInput {
    static func read(_ path: String) throws(CommandFailure) -> [UInt8] {
        do {
            return try FileBytes.read(path)
        } catch {
            throw .reading(error)
        }
    }

    /// The engine settings from this process's environment (`SMSR_KERNELS`, `SMSR_TILE`), read once.
    static func engine() throws(CommandFailure) -> EngineSettings {
        do {
            return try EngineSettings(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw .configuration(error)
        }
    }
}

enum JSONText {
    /// One line of JSON with keys sorted, so output is stable across runs.
    static func line(_ object: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// One line of JSON for an `Encodable` value, keys sorted likewise.
    static func line<Value: Encodable>(encoding value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            preconditionFailure("our own report types always encode: \(error)")
        }
    }
}
