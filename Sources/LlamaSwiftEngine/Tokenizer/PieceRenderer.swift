/// The text of one token as llama.cpp's `llama_vocab::impl::token_to_piece` renders it with
/// `special = true` and `lstrip = 0` (the cache `token_to_piece_for_cache` builds):
/// - control, unknown and user-defined tokens: their vocabulary text as is;
/// - normal tokens: SentencePiece — `▁` becomes a space; byte-level — each character
///   maps back to its byte through GPT-2's alphabet (`llama_decode_text`; a character
///   outside the alphabet renders as `[UNK_BYTE_0x<hex of its UTF-8>` + the whole token
///   text + `]`, exactly as llama.cpp writes it);
/// - byte tokens: the byte whose two hex digits follow `<0x`;
/// - anything else (unused, undefined): nothing.
enum PieceRenderer {
    static func render<C: Collection>(text: C, attributes a: TokenAttributes, kind: Tokenizer.Kind) -> [UInt8]
    where C.Element == UInt8 {
        if !a.isDisjoint(with: [.unknown, .control, .userDefined]) { return Array(text) }
        if a.contains(.normal) {
            switch kind {
            case .sentencePiece: return unescapeSpaces(Array(text))
            case .byteLevel: return decodeByteLevel(Array(text))
            }
        }
        if a.contains(.byte) { return [tokenByte(Array(text))] }
        return []
    }

    /// U+2581 (E2 96 81) → space.
    static func unescapeSpaces(_ t: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        var i = 0
        while i < t.count {
            if i + 2 < t.count, t[i] == 0xE2, t[i + 1] == 0x96, t[i + 2] == 0x81 {
                out.append(0x20)
                i += 3
            } else {
                out.append(t[i])
                i += 1
            }
        }
        return out
    }

    static func decodeByteLevel(_ t: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        let decoded = t.withUnsafeBufferPointer { DecodedText($0) }
        for cpt in decoded.codepoints {
            if let b = ByteLevelAlphabet.byte(for: cpt) {
                out.append(b)
            } else {
                out.append(contentsOf: Array("[UNK_BYTE_0x".utf8))
                for u in encodeUTF8(cpt) {
                    let h = String(u, radix: 16)
                    if h.count < 2 { out.append(0x30) }
                    out.append(contentsOf: Array(h.utf8))
                }
                out.append(contentsOf: t)
                out.append(0x5D)
            }
        }
        return out
    }

    /// The value of the (up to two) hex digits at offset 3, like `strtol(text.substr(3, 2))`.
    static func tokenByte(_ t: [UInt8]) -> UInt8 {
        var v: UInt8 = 0
        var i = 3
        while i < min(t.count, 5) {
            let c = t[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return v
            }
            v = v &* 16 &+ d
            i += 1
        }
        return v
    }
}
