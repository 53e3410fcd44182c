import Foundation

/// A gate that holds threads until the test opens it: how a test keeps a worker busy for exactly as
/// long as it needs, with no sleeps.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until opened (at most a minute, so a failing test cannot hang the run).
    func pass() {
        let deadline = Date().addingTimeInterval(60)
        condition.lock()
        while !isOpen, condition.wait(until: deadline) {}
        condition.unlock()
    }
}

/// Values recorded from the service's threads, which a test can wait on.
final class Recorder<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []

    func append(_ item: Element) {
        condition.lock()
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    var all: [Element] {
        condition.lock()
        defer { condition.unlock() }
        return items
    }

    /// Waits until some recorded item satisfies `predicate`; false after `seconds`.
    @discardableResult
    func wait(seconds: Double = 30, until predicate: (Element) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !items.contains(where: predicate) {
            if !condition.wait(until: deadline) { return items.contains(where: predicate) }
        }
        return true
    }
}
