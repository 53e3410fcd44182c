import Foundation

// Synchronisation for tests: each waits on a condition with a deadline, so a test never sleeps to let
// another thread get somewhere, and a failing test gives up instead of hanging the run.

/// Something that becomes true once.
public final class Flag: @unchecked Sendable {
    private let condition = NSCondition()
    private var isSet = false

    public init() {}

    public func set() {
        condition.lock()
        isSet = true
        condition.broadcast()
        condition.unlock()
    }

    public var value: Bool {
        condition.lock()
        defer { condition.unlock() }
        return isSet
    }

    /// Waits until set; false after `seconds`.
    @discardableResult
    public func wait(seconds: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !isSet {
            if !condition.wait(until: deadline) { return isSet }
        }
        return true
    }
}

/// A count that tests can wait on reaching a value.
public final class Counter: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0

    public init() {}

    public func increment() {
        condition.lock()
        count += 1
        condition.broadcast()
        condition.unlock()
    }

    public var value: Int {
        condition.lock()
        defer { condition.unlock() }
        return count
    }

    /// Waits until the count reaches `n`; false after `seconds`.
    @discardableResult
    public func wait(atLeast n: Int, seconds: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while count < n {
            if !condition.wait(until: deadline) { return count >= n }
        }
        return true
    }
}

/// A gate that holds threads until the test opens it: how a test keeps a worker busy for exactly as
/// long as it needs.
public final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false

    public init() {}

    public func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until opened (at most a minute).
    public func pass() {
        let deadline = Date().addingTimeInterval(60)
        condition.lock()
        while !isOpen, condition.wait(until: deadline) {}
        condition.unlock()
    }
}

/// Values recorded from other threads, which a test reads or waits on.
public final class Recorder<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []

    public init() {}

    public func append(_ item: Element) {
        condition.lock()
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    public var all: [Element] {
        condition.lock()
        defer { condition.unlock() }
        return items
    }

    /// Waits until some recorded item satisfies `predicate`; false after `seconds`.
    @discardableResult
    public func wait(seconds: Double = 30, until predicate: (Element) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !items.contains(where: predicate) {
            if !condition.wait(until: deadline) { return items.contains(where: predicate) }
        }
        return true
    }
}
