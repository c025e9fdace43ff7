/// Every failure the engine reports. The engine never traps on input: it throws one of
/// these, and the C layer maps `kind` to a `llamaswift_status` and `message` to
/// `llamaswift_last_error()`.
public struct LlamaError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure (the C layer maps each to a `llamaswift_status`).
    public enum Kind: Sendable {
        case invalidArgument, io, format, unsupported, bufferTooSmall, contextFull, cancelled, outOfMemory,
            internalError
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func format(_ message: String) -> LlamaError { LlamaError(.format, message) }
    static func invalid(_ message: String) -> LlamaError { LlamaError(.invalidArgument, message) }
    static func unsupported(_ message: String) -> LlamaError { LlamaError(.unsupported, message) }
}
