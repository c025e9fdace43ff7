import LlamaSwiftEngine

/// Every failure of the Swift API: one case per `llamaswift_status` of the C API
/// (include/llamaswift.h) but LLAMASWIFT_OK, each with the engine's message (what failed,
/// and where: a path, a tensor name, a value and its limit).
public enum LlamaSwiftError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A bad argument: an empty prompt, an out-of-range parameter (LLAMASWIFT_ERR_INVALID_ARGUMENT).
    case invalidArgument(String)
    /// A file missing or unreadable; the message has the path and errno's text (LLAMASWIFT_ERR_IO).
    case io(String)
    /// Not GGUF, a bad version, truncated or corrupt (LLAMASWIFT_ERR_FORMAT).
    case format(String)
    /// An architecture, tensor type, tokenizer or chat template the engine does not support
    /// (LLAMASWIFT_ERR_UNSUPPORTED).
    case unsupported(String)
    /// A buffer too small (LLAMASWIFT_ERR_BUFFER_TOO_SMALL; the Swift API sizes its own).
    case bufferTooSmall(String)
    /// The session's context has no room for the prompt (LLAMASWIFT_ERR_CONTEXT_FULL): reset
    /// the session, or use a larger `SessionParams.contextLength`.
    case contextFull(String)
    /// The load or the generation was cancelled (LLAMASWIFT_ERR_CANCELLED).
    case cancelled(String)
    /// An allocation failed (LLAMASWIFT_ERR_OUT_OF_MEMORY).
    case outOfMemory(String)
    /// A bug in the library; please report it (LLAMASWIFT_ERR_INTERNAL).
    case internalError(String)

    /// What failed, as the engine said it.
    public var message: String {
        switch self {
        case .invalidArgument(let m), .io(let m), .format(let m), .unsupported(let m), .bufferTooSmall(let m),
            .contextFull(let m), .cancelled(let m), .outOfMemory(let m), .internalError(let m):
            m
        }
    }

    /// The C API's name of the status and the message, e.g.
    /// "LLAMASWIFT_ERR_IO: cannot open 'x.gguf': No such file or directory".
    public var description: String {
        let name =
            switch self {
            case .invalidArgument: "LLAMASWIFT_ERR_INVALID_ARGUMENT"
            case .io: "LLAMASWIFT_ERR_IO"
            case .format: "LLAMASWIFT_ERR_FORMAT"
            case .unsupported: "LLAMASWIFT_ERR_UNSUPPORTED"
            case .bufferTooSmall: "LLAMASWIFT_ERR_BUFFER_TOO_SMALL"
            case .contextFull: "LLAMASWIFT_ERR_CONTEXT_FULL"
            case .cancelled: "LLAMASWIFT_ERR_CANCELLED"
            case .outOfMemory: "LLAMASWIFT_ERR_OUT_OF_MEMORY"
            case .internalError: "LLAMASWIFT_ERR_INTERNAL"
            }
        return "\(name): \(message)"
    }

    /// The engine's error as this enum (the same mapping as the C layer's ErrorState.swift);
    /// anything else the engine could throw is `.internalError`.
    init(_ error: any Error) {
        if let e = error as? LlamaSwiftError {
            self = e
            return
        }
        guard let e = error as? LlamaError else {
            self = .internalError(String(describing: error))
            return
        }
        switch e.kind {
        case .invalidArgument: self = .invalidArgument(e.message)
        case .io: self = .io(e.message)
        case .format: self = .format(e.message)
        case .unsupported: self = .unsupported(e.message)
        case .bufferTooSmall: self = .bufferTooSmall(e.message)
        case .contextFull: self = .contextFull(e.message)
        case .cancelled: self = .cancelled(e.message)
        case .outOfMemory: self = .outOfMemory(e.message)
        case .internalError: self = .internalError(e.message)
        }
    }
}

/// Runs `body`, rethrowing any error as a LlamaSwiftError.
func mapped<T>(_ body: () throws -> T) throws(LlamaSwiftError) -> T {
    do { return try body() } catch { throw LlamaSwiftError(error) }
}
