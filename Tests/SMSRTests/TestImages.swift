import Foundation

/// Test inputs as planar RGB floats.
enum TestImages {
    static func planarRGB(png relative: String, height: Int, width: Int) throws -> [Float] {
        let name = URL(fileURLWithPath: relative).deletingPathExtension().lastPathComponent
        let data = try Data(contentsOf: URL(fileURLWithPath: "/tmp/dev/\(name).f32"))
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        precondition(values.count == 3 * height * width)
        return values
    }
}
