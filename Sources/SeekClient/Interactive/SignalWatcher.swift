import Dispatch
import Glibc

/// Turns signals into calls of `handler` on a dispatch queue instead of killing the process, so the interactive
/// mode can restore the terminal before it leaves (SIGTERM included) and redraw on SIGWINCH.
public final class SignalWatcher {
    private let sources: [any DispatchSourceSignal]
    private let signals: [Int32]

    public init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    /// Stops watching and gives the signals their default meaning back.
    public func cancel() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
