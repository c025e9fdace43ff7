import CLlamaSwift
import LlamaSwiftEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The thread-local "last error" message of the C contract, kept without Foundation:
/// one pthread key whose per-thread value is a malloc'ed NUL-terminated string, freed by
/// the key's destructor when the thread exits.
enum ErrorState {
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { p in free(p) }
        return key
    }()

    /// Returned when even the message cannot be allocated.
    static let outOfMemoryText: StaticString = "out of memory (while recording an error message)"
    static let emptyText: StaticString = ""

    static func set(_ message: String) {
        let old = pthread_getspecific(key)
        if message.isEmpty {
            if let old { old.storeBytes(of: 0, as: UInt8.self) }
            return
        }
        free(old)
        let bytes = Array(message.utf8)
        guard let p = malloc(bytes.count + 1) else {
            pthread_setspecific(key, nil)
            return
        }
        bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        p.storeBytes(of: 0, toByteOffset: bytes.count, as: UInt8.self)
        pthread_setspecific(key, p)
    }

    static func current() -> UnsafePointer<CChar> {
        if let p = pthread_getspecific(key) {
            return UnsafePointer(p.assumingMemoryBound(to: CChar.self))
        }
        return cString(emptyText)
    }
}

/// A pointer to the static NUL-terminated bytes of a string literal.
func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

func status(_ kind: LlamaError.Kind) -> llamaswift_status {
    switch kind {
    case .invalidArgument: LLAMASWIFT_ERR_INVALID_ARGUMENT
    case .io: LLAMASWIFT_ERR_IO
    case .format: LLAMASWIFT_ERR_FORMAT
    case .unsupported: LLAMASWIFT_ERR_UNSUPPORTED
    case .bufferTooSmall: LLAMASWIFT_ERR_BUFFER_TOO_SMALL
    case .contextFull: LLAMASWIFT_ERR_CONTEXT_FULL
    case .cancelled: LLAMASWIFT_ERR_CANCELLED
    case .outOfMemory: LLAMASWIFT_ERR_OUT_OF_MEMORY
    case .internalError: LLAMASWIFT_ERR_INTERNAL
    }
}

/// Runs the body of a status-returning C function: maps a thrown `LlamaError` to its
/// status and message, anything else to INTERNAL, and success to OK with "" as the
/// message. Every `@c` function that returns a status goes through here.
func guarded(_ body: () throws -> Void) -> llamaswift_status {
    do {
        try body()
        ErrorState.set("")
        return LLAMASWIFT_OK
    } catch let e as LlamaError {
        ErrorState.set(e.message)
        if e.kind != .bufferTooSmall && e.kind != .cancelled {
            Log.error("\(String(cString: llamaswift_status_string(status(e.kind)))): \(e.message)")
        }
        return status(e.kind)
    } catch {
        ErrorState.set("internal error: \(error)")
        Log.error("LLAMASWIFT_ERR_INTERNAL: internal error: \(error)")
        return LLAMASWIFT_ERR_INTERNAL
    }
}

/// Throws INVALID_ARGUMENT naming the parameter when a required pointer is NULL.
func required<T>(_ p: T?, _ name: String) throws -> T {
    guard let p else { throw LlamaError(.invalidArgument, "\(name) must not be NULL") }
    return p
}

/// A `size_t` length, count or capacity from C, which Swift imports as `Int`: values of
/// 2^63 and more arrive negative and would pass a signed range check. No C object is
/// larger than PTRDIFF_MAX, so such a value is INVALID_ARGUMENT (naming the parameter and
/// giving the caller's unsigned value); otherwise the value, now known to be ≥ 0.
func sizeArgument(_ v: Int, _ name: String) throws -> Int {
    guard v >= 0 else {
        throw LlamaError(.invalidArgument, "\(name) = \(UInt(bitPattern: v)) is out of range (over PTRDIFF_MAX)")
    }
    return v
}
