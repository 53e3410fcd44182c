import Foundation
import Imaging
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// libpng and libjpeg print warnings to stderr by default; the codecs must stay silent.
@Suite struct SilenceTests {
    /// Runs `body` with file descriptor 2 sent to a temporary file and returns what was written.
    static func standardError(during body: () throws -> Void) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
        fflush(nil)
        let saved = dup(2)
        let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(saved >= 0 && file >= 0)
        dup2(file, 2)
        close(file)
        defer {
            fflush(nil)
            dup2(saved, 2)
            close(saved)
            try? FileManager.default.removeItem(atPath: path)
        }
        try body()
        fflush(nil)
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    @Test func errorsAndWarningsPrintNothing() throws {
        let jpeg = try ImageCodec.encode(TestSupport.texturedImage(width: 24, height: 24), as: .jpeg)
        // Junk before EOI: libjpeg's "extraneous bytes before marker" warning, recoverable.
        let junkBeforeEOI = Array(jpeg.dropLast(2)) + [0x12, 0x34, 0x56, 0xFF, 0xD9]
        let suite = try TestSupport.suiteFiles().map(TestSupport.bytes(of:))
        var failures = 0
        var recoveredWidth: Int?
        let printed = try Self.standardError {
            recoveredWidth = (try? ImageCodec.decode(junkBeforeEOI))?.image.width
            for cut in [jpeg.count / 2, jpeg.count - 1] {
                #expect(throws: ImageError.self) { try ImageCodec.decode(Array(jpeg[0..<cut])) }
            }
            for file in suite {
                do { _ = try ImageCodec.decode(file) } catch { failures += 1 }
            }
        }
        #expect(recoveredWidth == 24)
        #expect(failures == 14)  // the corrupt x*.png files
        #expect(printed.isEmpty, "printed: \(printed)")
    }
}
