import Foundation

/// Whether the service takes work: `starting` until the models are loaded and warmed, `ready`, then
/// `draining` once shutdown begins. It only moves forward.
final class Readiness: @unchecked Sendable {
    enum State: Int, Comparable, Sendable {
        case starting, ready, draining

        static func < (a: State, b: State) -> Bool { a.rawValue < b.rawValue }
    }

    private let condition = NSCondition()
    private var current = State.starting

    var state: State {
        condition.lock()
        defer { condition.unlock() }
        return current
    }

    func advance(to state: State) {
        condition.lock()
        if state > current { current = state }
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the state is at least `state`; false on timeout.
    func wait(for state: State, timeout: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(Double(timeout.wholeNanoseconds) / 1e9)
        condition.lock()
        defer { condition.unlock() }
        while current < state {
            if !condition.wait(until: deadline) { return current >= state }
        }
        return true
    }
}
