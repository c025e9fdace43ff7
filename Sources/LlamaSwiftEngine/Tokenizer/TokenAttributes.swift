/// Per-token attributes: the bit set of llama.cpp's `llama_token_attr` (llama.h), derived from
/// `tokenizer.ggml.token_type` and then amended by name-based detection, as
/// `llama_vocab::impl::load` does.
struct TokenAttributes: OptionSet, Sendable {
    let rawValue: UInt32

    static let unknown = TokenAttributes(rawValue: 1 << 0)
    static let unused = TokenAttributes(rawValue: 1 << 1)
    static let normal = TokenAttributes(rawValue: 1 << 2)
    static let control = TokenAttributes(rawValue: 1 << 3)
    static let userDefined = TokenAttributes(rawValue: 1 << 4)
    static let byte = TokenAttributes(rawValue: 1 << 5)
    static let normalized = TokenAttributes(rawValue: 1 << 6)
    static let lstrip = TokenAttributes(rawValue: 1 << 7)
    static let rstrip = TokenAttributes(rawValue: 1 << 8)
    static let singleWord = TokenAttributes(rawValue: 1 << 9)

    /// The attribute for a GGUF token type (llama.cpp's `llama_token_type`: 0 undefined,
    /// 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte; anything else is
    /// undefined, i.e. no bits).
    init(ggufTokenType type: Int64) {
        switch type {
        case 1: self = .normal
        case 2: self = .unknown
        case 3: self = .control
        case 4: self = .userDefined
        case 5: self = .unused
        case 6: self = .byte
        default: self = []
        }
    }

    init(rawValue: UInt32) { self.rawValue = rawValue }
}
