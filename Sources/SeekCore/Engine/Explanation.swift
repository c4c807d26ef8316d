/// Whether and why the engine indexes a path, as it would decide now (the `explain` method).
package struct Explanation: Sendable, Equatable {
    package enum State: Sendable, Equatable {
        case indexed, nameOnly, excluded, outsideRoots, missing
    }

    package var state: State
    package var reason: String
    /// The ignore-file rule that decided, when one did.
    package var rule: IgnoreDecision?
}

extension Int64 {
    /// "16 MiB", "512 KiB" or "1000 bytes", as people write size limits.
    package var byteCountDescription: String {
        if self >= 1 << 20, self % (1 << 20) == 0 { return "\(self >> 20) MiB" }
        if self >= 1 << 10, self % (1 << 10) == 0 { return "\(self >> 10) KiB" }
        return "\(self) bytes"
    }
}
