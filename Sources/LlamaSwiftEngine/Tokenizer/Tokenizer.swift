/// Text ⇄ token ids for a GGUF vocabulary, token for token equal to llama.cpp
/// (llama-cpp-python 0.3.36's vendored llama.cpp, src/llama-vocab.cpp).
///
/// Two vocabulary kinds (`tokenizer.ggml.model`):
/// - `llama`: SentencePiece-style BPE with byte fallback (`SentencePieceEncoder`);
/// - `gpt2`: byte-level BPE (`ByteLevelEncoder`) after the pre-tokenizer that
///   `tokenizer.ggml.pre` names (`PreTokenizer`).
///
/// Immutable after `init`: share one instance across threads; every call allocates its
/// own scratch.
public final class Tokenizer: @unchecked Sendable {
    enum Kind { case sentencePiece, byteLevel }

    let kind: Kind
    /// Vocabulary texts as stored (after llama.cpp's `[EMPTY_i]` substitution).
    let texts: FlatByteStrings
    let scores: [Float]
    let attributes: [TokenAttributes]
    /// Raw vocabulary text → id (llama.cpp's `token_to_id`).
    let spmTable: ByteStringTable
    let byteLevel: ByteLevelVocabulary?
    let preTokenizer: PreTokenizer
    /// Control, user-defined and unknown tokens, longest text first (ties: lower id first),
    /// the order in which `tokenizer_st_partition` looks for them.
    let specialTokens: [Int32]
    /// The special tokens' texts as one automaton (`partition`).
    let specialMatcher: SpecialTokenMatcher
    /// `token_to_piece(id, special: true)` of every token.
    let pieces: FlatByteStrings
    let endOfGeneration: Set<Int32>
    /// Token for each byte in SentencePiece byte fallback, or -1.
    let byteTokens: [Int32]

    let addSpacePrefix: Bool
    let cleanSpaces: Bool
    let ignoreMerges: Bool

    public let vocabularySize: Int
    /// Special ids the file names (`tokenizer.ggml.*_token_id`; EOT and EOM also by a
    /// token text llama.cpp recognises, such as `<|im_end|>`); nil when it names none.
    public let bos: Int32?
    public let eos: Int32?
    public let eot: Int32?
    public let eom: Int32?
    public let unk: Int32?
    public let addBOS: Bool
    public let addEOS: Bool
    /// `tokenizer.chat_template`, if present.
    public let chatTemplate: String?
    /// `tokenizer.ggml.model` and `tokenizer.ggml.pre` as read.
    public let modelName: String
    public let preTokenizerName: String

    /// Reads `tokenizer.ggml.*` the way `llama_vocab::impl::load` does. Throws `.unsupported`
    /// for a tokenizer model other than `llama`/`gpt2` or a pre-tokenizer not implemented,
    /// `.format` for missing or ill-typed keys.
    public convenience init(gguf: GGUFFile) throws { try self.init(metadata: gguf.metadata) }

    init(metadata: [String: GGUFValue]) throws {
        let loaded = try VocabularyLoader(metadata: metadata)
        kind = loaded.kind
        texts = loaded.texts
        scores = loaded.scores
        attributes = loaded.attributes
        spmTable = loaded.rawTable
        byteLevel = loaded.byteLevel
        preTokenizer = loaded.preTokenizer
        specialTokens = loaded.specialTokens
        let attrs = loaded.attributes
        specialMatcher = try SpecialTokenMatcher(ordered: loaded.specialTokens, texts: loaded.texts) {
            attrs[Int($0)].isDisjoint(with: [.control, .unknown])
        }
        pieces = loaded.pieces
        endOfGeneration = loaded.endOfGeneration
        byteTokens = loaded.byteTokens
        addSpacePrefix = loaded.addSpacePrefix
        cleanSpaces = loaded.cleanSpaces
        ignoreMerges = loaded.ignoreMerges
        vocabularySize = loaded.texts.count
        bos = loaded.bos
        eos = loaded.eos
        eot = loaded.eot
        eom = loaded.eom
        unk = loaded.unk
        addBOS = loaded.addBOS
        addEOS = loaded.addEOS
        chatTemplate = loaded.chatTemplate
        modelName = loaded.modelName
        preTokenizerName = loaded.preName
    }

    // MARK: queries

    @inline(__always)
    func validIndex(_ token: Int32) -> Int? {
        token >= 0 && Int(token) < vocabularySize ? Int(token) : nil
    }

    /// End of generation: EOS, EOT, EOM and the tokens llama.cpp adds by name
    /// (`<|im_end|>`, `<|eot_id|>`, `<|endoftext|>`, `<end_of_turn>`, FIM pad/repo/sep, …).
    public func isEndOfGeneration(_ token: Int32) -> Bool { endOfGeneration.contains(token) }

    /// Whether the token has the control attribute (after llama.cpp's name-based amendments).
    public func isControl(_ token: Int32) -> Bool {
        guard let i = validIndex(token) else { return false }
        return attributes[i].contains(.control)
    }

    /// The raw vocabulary entry (for byte-level vocabularies, in GPT-2's byte alphabet).
    public func tokenText(_ token: Int32) -> [UInt8]? {
        guard let i = validIndex(token), let t = texts[checked: i] else { return nil }
        return Array(t)
    }

    /// SentencePiece byte fallback: `<0xNN>`, else the byte itself as a token
    /// (`llama_vocab::byte_to_token`); llama.cpp aborts when neither exists, we throw.
    func byteToken(_ b: UInt8) throws -> Int32 {
        let t = byteTokens[Int(b)]
        guard t >= 0 else {
            throw LlamaError(.unsupported, "tokenizer: the vocabulary has no token for byte 0x\(String(b, radix: 16))")
        }
        return t
    }
}
