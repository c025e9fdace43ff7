extension Tokenizer {
    /// Token ids for the bytes of `text`, as llama.cpp's `llama_tokenize` returns them.
    ///
    /// `addSpecial`: add BOS/EOS as the vocabulary asks (`addBOS`/`addEOS`), when it names
    /// them.
    /// `parseSpecial`: recognise control tokens (e.g. `<|im_start|>`) written in the text;
    /// user-defined tokens are recognised either way (see `partition`).
    ///
    /// Any byte string is accepted. SentencePiece vocabularies see the bytes as they are
    /// (invalid UTF-8 and NUL fall back to byte tokens). Byte-level vocabularies read the
    /// text as llama.cpp does: each byte that does not start a well-formed sequence becomes
    /// U+FFFD (so it is tokenized as the bytes EF BF BD); NUL is an ordinary character.
    /// Throws `.unsupported` only for a vocabulary that lacks a byte fallback token the text
    /// needs; llama.cpp aborts there.
    public func tokenize(_ text: UnsafeRawBufferPointer, addSpecial: Bool, parseSpecial: Bool) throws -> [Int32] {
        let bytes = UnsafeBufferPointer<UInt8>(
            start: text.baseAddress?.assumingMemoryBound(to: UInt8.self), count: text.count)
        return try tokenize(bytes: bytes, addSpecial: addSpecial, parseSpecial: parseSpecial)
    }

    public func tokenize(_ text: String, addSpecial: Bool = false, parseSpecial: Bool = false) throws -> [Int32] {
        var s = text
        return try s.withUTF8 { try tokenize(bytes: $0, addSpecial: addSpecial, parseSpecial: parseSpecial) }
    }

    /// Longest text accepted, 64 MiB: with at most `maximumBytesPerInputByte` of working
    /// memory per input byte, the worst case stays near 3.5 GiB (llama.cpp's own limit is
    /// `INT32_MAX` bytes; positions here are 32-bit, and SentencePiece escaping can triple
    /// the length).
    public static let maximumTextLength = 64 << 20

    /// The most working memory (bytes) a tokenization takes per input byte, the tokens
    /// returned included, measured on the worst texts found (one 64 MiB word, all spaces,
    /// random bytes, one-byte special tokens; ordinary text takes 2–17).
    public static let maximumBytesPerInputByte = 56

    func tokenize(bytes: UnsafeBufferPointer<UInt8>, addSpecial: Bool, parseSpecial: Bool) throws -> [Int32] {
        try tokenizeChecked(bytes: bytes, addSpecial: addSpecial, parseSpecial: parseSpecial).toArray()
    }

    /// Token ids for the bytes of `text`, in storage whose allocation failure throws
    /// `.outOfMemory` (the C API copies them out without another array).
    public func tokenizeChecked(
        _ text: UnsafeRawBufferPointer, addSpecial: Bool, parseSpecial: Bool
    ) throws -> CheckedTokens {
        let bytes = UnsafeBufferPointer<UInt8>(
            start: text.baseAddress?.assumingMemoryBound(to: UInt8.self), count: text.count)
        return CheckedTokens(try tokenizeChecked(bytes: bytes, addSpecial: addSpecial, parseSpecial: parseSpecial))
    }

    func tokenizeChecked(
        bytes: UnsafeBufferPointer<UInt8>, addSpecial: Bool, parseSpecial: Bool
    ) throws -> CheckedBuffer<Int32> {
        guard bytes.count <= Self.maximumTextLength else {
            throw LlamaError.invalid(
                "tokenize: a text of \(bytes.count) bytes is over the limit of 64 MiB (\(Self.maximumTextLength) bytes)"
            )
        }
        let fragments = try partition(bytes, parseSpecial: parseSpecial)
        let output = CheckedBuffer<Int32>()
        // A vocabulary that asks for BOS/EOS but names none gets nothing added (llama.cpp
        // aborts there).
        if addSpecial && addBOS, let bos { try output.append(bos) }
        switch kind {
        case .sentencePiece:
            try encodeSentencePiece(bytes, fragments, into: output)
        case .byteLevel:
            try encodeByteLevel(bytes, fragments, into: output)
        }
        if addSpecial && addEOS, let eos { try output.append(eos) }
        return output
    }

    /// llama.cpp's `LLAMA_VOCAB_TYPE_SPM` branch of `tokenize`: each text fragment gets a
    /// leading space when `add_space_prefix` is set and it is the first fragment or follows
    /// a special token; spaces become U+2581; then `SentencePieceEncoder`.
    private func encodeSentencePiece(
        _ bytes: UnsafeBufferPointer<UInt8>, _ fragments: CheckedBuffer<TextFragment>, into output: CheckedBuffer<Int32>
    ) throws {
        let encoder = SentencePieceEncoder()
        let escaped = CheckedBuffer<UInt8>()
        var isPreviousSpecial = true
        for f in 0..<fragments.count {
            switch fragments[f] {
            case .token(let id):
                try output.append(id)
                isPreviousSpecial = true
            case .text(let start, let end):
                escaped.removeAll()
                try escaped.reserve(Int(end - start) + 3)
                if addSpacePrefix && isPreviousSpecial {
                    for b: UInt8 in [0xE2, 0x96, 0x81] { try escaped.append(b) }
                }
                for i in Int(start)..<Int(end) {
                    let b = bytes[i]
                    if b == 0x20 {
                        try escaped.append(0xE2)
                        try escaped.append(0x96)
                        try escaped.append(0x81)
                    } else {
                        try escaped.append(b)
                    }
                }
                try withExtendedLifetime(escaped) {
                    try encoder.encode(UnsafeBufferPointer(escaped.buffer), tokenizer: self, into: output)
                }
                isPreviousSpecial = false
            }
        }
    }

    /// llama.cpp's `LLAMA_VOCAB_TYPE_BPE` branch: per text fragment, decode leniently,
    /// pre-tokenize into words, and BPE each word.
    private func encodeByteLevel(
        _ bytes: UnsafeBufferPointer<UInt8>, _ fragments: CheckedBuffer<TextFragment>, into output: CheckedBuffer<Int32>
    ) throws {
        guard let vocabulary = byteLevel else { return }
        let encoder = ByteLevelEncoder()
        let decoded = PreTokenizerText()
        var ends = CheckedBuffer<Int32>()
        var scratch = CheckedBuffer<Int32>()
        for f in 0..<fragments.count {
            switch fragments[f] {
            case .token(let id):
                try output.append(id)
            case .text(let start, let end):
                try decoded.load(UnsafeBufferPointer(rebasing: bytes[Int(start)..<Int(end)]))
                try preTokenizer.split(decoded, into: &ends, scratch: &scratch)
                // The words are read through a pointer: keep their storage alive.
                try withExtendedLifetime(decoded) {
                    guard let wbase = decoded.bytes.base else { return }
                    var first = 0
                    for k in 0..<ends.count {
                        let last = Int(ends[k])
                        let a = Int(decoded.starts[first]), b = Int(decoded.starts[last])
                        if b > a {
                            try encoder.encodeWord(
                                wbase + a, b - a, vocabulary: vocabulary, ignoreMerges: ignoreMerges, into: output)
                        }
                        first = last
                    }
                }
            }
        }
    }
}

/// Token ids in storage the caller did not allocate as a Swift array (see
/// `Tokenizer.tokenizeChecked`).
public struct CheckedTokens {
    let storage: CheckedBuffer<Int32>

    init(_ storage: CheckedBuffer<Int32>) { self.storage = storage }

    public var count: Int { storage.count }

    /// Copies the ids to `destination` (room for `count`).
    public func copy(to destination: UnsafeMutablePointer<Int32>) {
        guard let base = storage.base, storage.count > 0 else { return }
        destination.update(from: base, count: storage.count)
    }

    /// The ids as an array (a Swift allocation: it traps if memory runs out).
    public var array: [Int32] { storage.toArray() }
}
