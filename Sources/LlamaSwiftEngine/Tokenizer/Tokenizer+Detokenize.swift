extension Tokenizer {
    /// The bytes of one token: llama.cpp's `llama_token_to_piece(special: renderSpecial,
    /// lstrip: 0)`. With `renderSpecial == false`, control and unknown tokens render as
    /// nothing. nil when the id is out of range.
    public func piece(for token: Int32, renderSpecial: Bool = true) -> [UInt8]? {
        guard let i = validIndex(token), let p = pieces[checked: i] else { return nil }
        if !renderSpecial && !attributes[i].isDisjoint(with: [.control, .unknown]) { return [] }
        return Array(p)
    }

    /// Whether the vocabulary asks for llama.cpp's space clean-up in `detokenize`.
    public var cleansSpaces: Bool { cleanSpaces }

    /// Whether the token streams as nothing (`piece(renderSpecial: false)` is empty because
    /// it is a control or unknown token).
    public func isHiddenWhenStreamed(_ token: Int32) -> Bool {
        guard let i = validIndex(token) else { return true }
        return !attributes[i].isDisjoint(with: [.control, .unknown])
    }

    /// Text for a token sequence: llama.cpp's `llama_detokenize(remove_special: false,
    /// unparse_special: true)`. The first piece loses one leading space when the vocabulary
    /// adds a space prefix (SentencePiece); byte-level vocabularies with
    /// `clean_up_tokenization_spaces` (GPT-2, LLaMA 3; not Qwen2 or SmolLM) then drop the
    /// space before `? ! . ,`, around a lone `'`, and before `'s 'm 're 've`, as llama.cpp
    /// does. `cleanSpaces` overrides the vocabulary's setting (nil: the vocabulary's, as
    /// llama.cpp; false: the pieces as they are, so text tokenized without special tokens
    /// comes back unchanged). Throws `.invalidArgument` for an id out of range.
    public func detokenize(_ tokens: [Int32], cleanSpaces clean: Bool? = nil) throws -> [UInt8] {
        var out: [UInt8] = []
        var removeSpace = addSpacePrefix
        for t in tokens {
            guard let i = validIndex(t), let p = pieces[checked: i] else {
                throw LlamaError.invalid("detokenize: token id \(t) is out of range (vocabulary of \(vocabularySize))")
            }
            if removeSpace, let first = p.first, first == 0x20 {
                out.append(contentsOf: p.dropFirst())
            } else {
                out.append(contentsOf: p)
            }
            removeSpace = false
        }
        if clean ?? cleanSpaces { Self.cleanSpaces(&out) }
        return out
    }

    /// The three in-place passes of `llama_vocab::impl::detokenize` for `clean_spaces`,
    /// written as the C++ loops are (the second pass overwrites the space after a lone
    /// apostrophe with NUL and skips it, which later comparisons see).
    static func cleanSpaces(_ text: inout [UInt8]) {
        guard !text.isEmpty else { return }
        let length = text.withUnsafeMutableBufferPointer { t -> Int in
            let sp: UInt8 = 0x20, ap: UInt8 = 0x27
            // Pass 1: " ?", " !", " .", " ,"
            let total1 = t.count
            var total = 1
            var i = 1
            while i < total1 {
                let x = t[i]
                if t[i - 1] == sp && (x == 0x3F || x == 0x21 || x == 0x2E || x == 0x2C) { total -= 1 }
                t[total] = x
                total += 1
                i += 1
            }
            // Pass 2: " ' " → "'"
            let total2 = total
            total = 1
            i = 1
            while i < total2 {
                let x = t[i]
                if x == ap && i + 1 < total2 && t[i - 1] == sp && t[i + 1] == sp {
                    total -= 1
                    i += 1
                    t[i] = 0
                }
                t[total] = x
                total += 1
                i += 1
            }
            // Pass 3: " 's", " 'm", " 're", " 've" lose the space.
            let total3 = total
            total = 1
            i = 1
            while i < total3 {
                let x = t[i]
                if t[i - 1] == sp && x == ap && i + 1 < total3 {
                    let x1 = t[i + 1]
                    if x1 == 0x74 || x1 == 0x64 {  // 't 'd: kept
                    } else if x1 == 0x73 || x1 == 0x6D {  // 's 'm
                        total -= 1
                    } else if i + 2 < total3 {
                        let x2 = t[i + 2]
                        if (x1 == 0x72 && x2 == 0x65) || (x1 == 0x76 && x2 == 0x65) { total -= 1 }  // 're 've
                    }
                }
                t[total] = x
                total += 1
                i += 1
            }
            return total
        }
        text.removeSubrange(length...)
    }
}
