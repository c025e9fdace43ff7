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

    /// Longest text accepted: symbol positions are 32-bit and SentencePiece escaping can
    /// triple the length (llama.cpp's own limit is `INT32_MAX` bytes).
    static let maximumTextLength = Int(Int32.max) / 4

    func tokenize(bytes: UnsafeBufferPointer<UInt8>, addSpecial: Bool, parseSpecial: Bool) throws -> [Int32] {
        guard bytes.count <= Self.maximumTextLength else {
            throw LlamaError.invalid("tokenize: a text of \(bytes.count) bytes is longer than the \(Self.maximumTextLength) accepted")
        }
        let fragments = partition(bytes, parseSpecial: parseSpecial)
        var output: [Int32] = []
        output.reserveCapacity(bytes.count / 3 + 2)
        // A vocabulary that asks for BOS/EOS but names none gets nothing added (llama.cpp
        // aborts there).
        if addSpecial && addBOS, let bos { output.append(bos) }
        switch kind {
        case .sentencePiece:
            try encodeSentencePiece(bytes, fragments, into: &output)
        case .byteLevel:
            encodeByteLevel(bytes, fragments, into: &output)
        }
        if addSpecial && addEOS, let eos { output.append(eos) }
        return output
    }

    /// llama.cpp's `LLAMA_VOCAB_TYPE_SPM` branch of `tokenize`: each text fragment gets a
    /// leading space when `add_space_prefix` is set and it is the first fragment or follows
    /// a special token; spaces become U+2581; then `SentencePieceEncoder`.
    private func encodeSentencePiece(
        _ bytes: UnsafeBufferPointer<UInt8>, _ fragments: [TextFragment], into output: inout [Int32]
    ) throws {
        var encoder = SentencePieceEncoder()
        var escaped: [UInt8] = []
        var isPreviousSpecial = true
        for fragment in fragments {
            switch fragment {
            case .token(let id):
                output.append(id)
                isPreviousSpecial = true
            case .text(let start, let end):
                escaped.removeAll(keepingCapacity: true)
                escaped.reserveCapacity((end - start) * 3 / 2 + 3)
                if addSpacePrefix && isPreviousSpecial { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) }
                for i in start ..< end {
                    let b = bytes[i]
                    if b == 0x20 {
                        escaped.append(contentsOf: [0xE2, 0x96, 0x81])
                    } else {
                        escaped.append(b)
                    }
                }
                try escaped.withUnsafeBufferPointer { try encoder.encode($0, tokenizer: self, into: &output) }
                isPreviousSpecial = false
            }
        }
    }

    /// llama.cpp's `LLAMA_VOCAB_TYPE_BPE` branch: per text fragment, decode leniently,
    /// pre-tokenize into words, and BPE each word.
    private func encodeByteLevel(
        _ bytes: UnsafeBufferPointer<UInt8>, _ fragments: [TextFragment], into output: inout [Int32]
    ) {
        guard let vocabulary = byteLevel else { return }
        var encoder = ByteLevelEncoder()
        for fragment in fragments {
            switch fragment {
            case .token(let id):
                output.append(id)
            case .text(let start, let end):
                let decoded = DecodedText(UnsafeBufferPointer(rebasing: bytes[start ..< end]))
                let ends = preTokenizer.split(decoded)
                decoded.bytes.withUnsafeBufferPointer { wb in
                    guard let wbase = wb.baseAddress else { return }
                    decoded.starts.withUnsafeBufferPointer { starts in
                        var first = 0
                        for last in ends {
                            let a = starts[first], b = starts[last]
                            if b > a {
                                encoder.encodeWord(
                                    wbase + a, b - a, vocabulary: vocabulary, ignoreMerges: ignoreMerges,
                                    into: &output)
                            }
                            first = last
                        }
                    }
                }
            }
        }
    }
}
