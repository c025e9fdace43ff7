import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Severity of a log message (the values of `llamaswift_log_level`).
public enum LogLevel: Int, Sendable {
    case error = 1
    case warning = 2
    case info = 3
    case debug = 4
}

/// The engine's log: silent unless a handler is installed (the C layer installs one
/// for `llamaswift_log_set`). Messages are formatted only when a handler is set.
///
/// Delivery is serialised by a mutex, so a handler never runs on two threads at once,
/// and `setHandler` returns only when no message is being delivered to the old one
/// (the caller may then free what the old one used). A message logged from inside the
/// handler (it called into the engine) is dropped, and `setHandler` called from inside
/// the handler is ignored: either would otherwise wait for itself.
public enum Log {
    public typealias Handler = @Sendable (LogLevel, String) -> Void

    private static let handler = Mutex<Handler?>(nil)
    private static let enabled = Atomic<Bool>(false)
    /// The thread delivering a message now (pthread_self), 0 when none.
    private static let deliveringThread = Atomic<UInt>(0)

    /// This thread's pthread_t as a number (an integer on Glibc, a pointer on Darwin).
    private static func currentThread() -> UInt {
        #if canImport(Darwin)
            UInt(bitPattern: pthread_self())
        #else
            UInt(pthread_self())
        #endif
    }

    public static func setHandler(_ h: Handler?) {
        if deliveringThread.load(ordering: .acquiring) == currentThread() { return }
        handler.withLock { current in
            current = h
            enabled.store(h != nil, ordering: .releasing)
        }
    }

    public static var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    public static func write(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard enabled.load(ordering: .acquiring) else { return }
        let me = currentThread()
        guard deliveringThread.load(ordering: .acquiring) != me else { return }
        let text = message()
        handler.withLock { h in
            guard let h else { return }
            deliveringThread.store(me, ordering: .releasing)
            h(level, text)
            deliveringThread.store(0, ordering: .releasing)
        }
    }

    public static func error(_ m: @autoclosure () -> String) { write(.error, m()) }
    public static func warning(_ m: @autoclosure () -> String) { write(.warning, m()) }
    public static func info(_ m: @autoclosure () -> String) { write(.info, m()) }
    public static func debug(_ m: @autoclosure () -> String) { write(.debug, m()) }
}
