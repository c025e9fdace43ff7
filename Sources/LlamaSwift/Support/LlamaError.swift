/// Every failure the engine reports. The engine never traps on input: it throws one of
/// these, and the C layer maps `kind` to a `llamaswift_status` and `message` to
/// `llamaswift_last_error()`.
public struct LlamaError: Error, CustomStringConvertible, Sendable {
    /// The status families of the C contract (same order and meaning as `llamaswift_status`).
    public enum Kind: Int32, Sendable {
        case invalidArgument = 1
        case io = 2
        case format = 3
        case unsupported = 4
        case bufferTooSmall = 5
        case contextFull = 6
        case cancelled = 7
        case outOfMemory = 8
        case internalError = 9
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
