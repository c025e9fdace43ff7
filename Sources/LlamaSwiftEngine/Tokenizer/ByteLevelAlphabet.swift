/// GPT-2's byte-to-character table (`bytes_to_unicode` in OpenAI's encoder.py, llama.cpp's
/// `unicode_byte_to_utf8_map`): the printable bytes `!`…`~`, `¡`…`¬`, `®`…`ÿ` stand for
/// themselves; the other 68 bytes, in increasing order, map to U+0100, U+0101, …
/// Byte-level vocabularies store their tokens in this alphabet (a space is `Ġ`, U+0120).
enum ByteLevelAlphabet {
    /// Code point that byte `b` is written as.
    static let codepointForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// The UTF-8 encoding of the character byte `b` is written as.
    static let utf8ForByte: [[UInt8]] = codepointForByte.map { encodeUTF8($0) }

    /// Byte for a code point of the alphabet, or nil (code points 0…0x143 only).
    static let byteForCodepoint: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for b in 0..<256 { table[Int(codepointForByte[b])] = Int16(b) }
        return table
    }()

    @inline(__always)
    static func byte(for cpt: UInt32) -> UInt8? {
        guard cpt < 0x144 else { return nil }
        let b = byteForCodepoint[Int(cpt)]
        return b < 0 ? nil : UInt8(truncatingIfNeeded: b)
    }

    /// Decodes a vocabulary text written in the alphabet back to raw bytes; nil when the
    /// text is not valid UTF-8 or contains a character outside the alphabet (such a token
    /// can never be produced by byte-level BPE, whose words are always in the alphabet).
    static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var it = text.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s):
                guard let b = byte(for: s.value) else { return nil }
                out.append(b)
            case .emptyInput:
                return out
            case .error:
                return nil
            }
        }
    }
}
