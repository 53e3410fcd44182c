import Foundation

// Synchronisation for tests: each waits on a condition with a deadline, so a test never sleeps to let
// another thread get somewhere, and a failing test gives up instead of hanging the run.

/// A value guarded by one condition: changes wake every waiter, which rechecks its predicate.
final class Watched<State>: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: State

    init(_ state: State) { self.state = state }

    func update(_ change: (inout State) -> Void) {
        condition.lock()
        change(&state)
        condition.broadcast()
        condition.unlock()
    }

    var value: State {
        condition.lock()
        defer { condition.unlock() }
        return state
    }

    /// Waits until `predicate` holds for the state; false if it still does not after `seconds`.
    func wait(seconds: Double, until predicate: (State) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(state) {
            if !condition.wait(until: deadline) { return predicate(state) }
        }
        return true
    }
}

/// Something that becomes true once.
public final class Flag: @unchecked Sendable {
    private let watched = Watched(false)

    public init() {}

    public func set() { watched.update { $0 = true } }

    public var value: Bool { watched.value }

    /// Waits until set; false after `seconds`.
    @discardableResult
    public func wait(seconds: Double = 5) -> Bool { watched.wait(seconds: seconds) { $0 } }
}

/// A count that tests can wait on reaching a value.
public final class Counter: @unchecked Sendable {
    private let watched = Watched(0)

    public init() {}

    public func increment() { watched.update { $0 += 1 } }

    public var value: Int { watched.value }

    /// Waits until the count reaches `n`; false after `seconds`.
    @discardableResult
    public func wait(atLeast n: Int, seconds: Double = 5) -> Bool { watched.wait(seconds: seconds) { $0 >= n } }
}

/// A gate that holds threads until the test opens it: how a test keeps a worker busy for exactly as
/// long as it needs.
public final class Gate: @unchecked Sendable {
    private let watched = Watched(false)

    public init() {}

    public func open() { watched.update { $0 = true } }

    /// Blocks until opened (at most a minute).
    public func pass() { _ = watched.wait(seconds: 60) { $0 } }
}

/// Values recorded from other threads, which a test reads or waits on.
public final class Recorder<Element>: @unchecked Sendable {
    private let watched = Watched([Element]())

    public init() {}

    public func append(_ item: Element) { watched.update { $0.append(item) } }

    public var all: [Element] { watched.value }

    /// Waits until some recorded item satisfies `predicate`; false after `seconds`.
    @discardableResult
    public func wait(seconds: Double = 30, until predicate: (Element) -> Bool) -> Bool {
        watched.wait(seconds: seconds) { $0.contains(where: predicate) }
    }
}

/// A running sum that tests can wait on reaching a value (gauges such as open streams).
public final class Tally: @unchecked Sendable {
    private let watched = Watched(0)

    public init() {}

    public func add(_ n: Int) { watched.update { $0 += n } }

    public var value: Int { watched.value }

    /// Waits until the sum equals `n`; false after `seconds`.
    @discardableResult
    public func wait(for n: Int, seconds: Double = 5) -> Bool { watched.wait(seconds: seconds) { $0 == n } }
}
