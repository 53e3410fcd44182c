import Foundation

/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
struct ProgressBar {
    let total: Int
    let label: String
    private let enabled = isatty(FileHandle.standardError.fileDescriptor) != 0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    mutating func update(done: Int, item: String) {
        guard enabled, total > 1 else { return }
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total) \(item)\u{1B}[K".utf8))
    }

    mutating func finish() {
        guard enabled, total > 1 else { return }
        update(done: total, item: "done")
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
