import ArgumentParser
import Foundation
import Imaging
import UpscaleService

/// Exit statuses from sysexits.h. 64 is for a command used wrongly and nothing else, so a script can
/// tell a typo from a missing file or a broken image.
enum SysExit: Int32 {
    case usage = 64
    case dataError = 65
    case noInput = 66
    case unavailable = 69
    case software = 70
    case cannotCreate = 73
    case config = 78
}

/// A command that could not do its work: a message naming the problem and the file, and its status.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    let status: SysExit

    init(_ description: String, _ status: SysExit) {
        self.description = description
        self.status = status
    }

    /// Prints `smsr: error: ...` on standard error and gives the exit status to throw from `run`.
    var exit: ExitCode {
        FileHandle.standardError.write(Data("smsr: error: \(description)\n".utf8))
        return ExitCode(status.rawValue)
    }

    static func reading(_ failure: FileBytes.Failure) -> CommandFailure {
        .init("cannot read \(failure.path): \(failure.reason)", .noInput)
    }

    static func writing(_ failure: FileBytes.Failure) -> CommandFailure {
        .init("cannot write \(failure.path): \(failure.reason)", .cannotCreate)
    }

    static func model(_ error: ModelLoadingError) -> CommandFailure {
        switch error {
        case .unreadable: .init(error.description, .noInput)
        case .file: .init(error.description, .dataError)
        case .noEmbeddedModel: .init(error.description, .unavailable)
        case .scaleMismatch, .catalog: .init(error.description, .usage)
        }
    }

    /// An image that the flow could not read (`path` names it) or could not write.
    static func image(_ failure: UpscaleFlow.Failure, input: String, output: String) -> CommandFailure {
        switch failure {
        case .decode, .tilingOverhead, .stopped: .init("\(input): \(failure)", .dataError)
        case .unwritable: .init("cannot write \(output) from \(input): \(failure)", .dataError)
        case .encode: .init("cannot encode \(output): \(failure)", .dataError)
        }
    }

    static func configuration(_ failure: ConfigurationSources.Failure) -> CommandFailure {
        .init(failure.description, .config)
    }
}

extension ParsableCommand {
    /// Runs `work`, turning a `CommandFailure` into its message and exit status.
    func reporting(_ work: () throws(CommandFailure) -> Void) throws {
        do {
            try work()
        } catch {
            throw error.exit
        }
    }
}
