/// Code point classes as llama.cpp's `unicode_cpt_flags` (src/unicode.h), computed from
/// the Swift standard library's `Unicode.Scalar.Properties.generalCategory` with the
/// mapping of llama.cpp's scripts/gen-unicode-data.py: Cn → undefined; Cc, Cf, Co, Cs →
/// control; L* → letter; M* → mark; N* → number; P* → punctuation; S* → symbol; Z* →
/// separator. `whitespace` is llama.cpp's fixed list (`unicode_set_whitespace`), not
/// Unicode's White_Space property. Values above U+10FFFF are undefined.
///
/// The regex pre-tokenizers test these bits; a value of 0 means "outside the fragment"
/// (llama.cpp's `_get_flags` past the end), which no code point has.
enum CodepointFlags {
    static let undefined: UInt16 = 0x0001
    static let number: UInt16 = 0x0002
    static let letter: UInt16 = 0x0004
    static let separator: UInt16 = 0x0008
    static let mark: UInt16 = 0x0010
    static let punctuation: UInt16 = 0x0020
    static let symbol: UInt16 = 0x0040
    static let control: UInt16 = 0x0080
    static let categoryMask: UInt16 = 0x00FF
    static let whitespace: UInt16 = 0x0100

    /// Flags of U+0000…U+FFFF, computed once on first use (128 KB).
    static let basicPlane: [UInt16] = (0..<0x10000).map { compute(UInt32($0)) }

    @inline(__always)
    static func of(_ cpt: UInt32) -> UInt16 {
        if cpt < 0x10000 {
            return basicPlane.withUnsafeBufferPointer { $0[Int(cpt)] }
        }
        return compute(cpt)
    }

    static func isWhitespace(_ cpt: UInt32) -> Bool {
        switch cpt {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    static func compute(_ cpt: UInt32) -> UInt16 {
        guard cpt < 0x110000 else { return undefined }
        let ws: UInt16 = isWhitespace(cpt) ? whitespace : 0
        guard let scalar = Unicode.Scalar(cpt) else { return control | ws }  // surrogates: Cs
        let category: UInt16
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            category = letter
        case .nonspacingMark, .spacingMark, .enclosingMark:
            category = mark
        case .decimalNumber, .letterNumber, .otherNumber:
            category = number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            category = punctuation
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            category = symbol
        case .spaceSeparator, .lineSeparator, .paragraphSeparator:
            category = separator
        case .control, .format, .surrogate, .privateUse:
            category = control
        case .unassigned:
            category = undefined
        @unknown default:
            category = undefined
        }
        return category | ws
    }
}
