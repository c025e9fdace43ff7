/// UTF-8 as llama.cpp's tokenizer reads and writes it (src/unicode.cpp).
///
/// Reading (`unicode_cpts_from_utf8`): a lead byte announces the length; the sequence is
/// taken if its continuation bytes are present and well-formed — overlong forms and
/// surrogates are accepted as they decode; otherwise the lead byte alone becomes U+FFFD
/// and reading resumes at the next byte. One deviation: llama.cpp also accepts 4-byte
/// sequences above U+10FFFF (leads F4 9x…F7) and then aborts when re-encoding them; here
/// such a lead byte is invalid like any other (U+FFFD, advance one byte).
///
/// Writing (`unicode_cpt_to_utf8`): the shortest form for the value, surrogates included.

/// Length of the UTF-8 sequence a byte starts (llama.cpp's `unicode_len_utf8`): by the high
/// nibble, 1 for 0x00–0xBF (continuation bytes too), 2 for 0xC_/0xD_, 3 for 0xE_, 4 for 0xF_.
@inline(__always)
func utf8SequenceLength(_ lead: UInt8) -> Int {
    switch lead >> 4 {
    case 0xC, 0xD: return 2
    case 0xE: return 3
    case 0xF: return 4
    default: return 1
    }
}

@inline(__always)
func appendUTF8(_ cpt: UInt32, to out: inout [UInt8]) {
    if cpt < 0x80 {
        out.append(UInt8(truncatingIfNeeded: cpt))
    } else if cpt < 0x800 {
        out.append(0xC0 | UInt8(truncatingIfNeeded: cpt >> 6))
        out.append(0x80 | UInt8(truncatingIfNeeded: cpt & 0x3F))
    } else if cpt < 0x10000 {
        out.append(0xE0 | UInt8(truncatingIfNeeded: cpt >> 12))
        out.append(0x80 | UInt8(truncatingIfNeeded: (cpt >> 6) & 0x3F))
        out.append(0x80 | UInt8(truncatingIfNeeded: cpt & 0x3F))
    } else {
        out.append(0xF0 | UInt8(truncatingIfNeeded: (cpt >> 18) & 0x07))
        out.append(0x80 | UInt8(truncatingIfNeeded: (cpt >> 12) & 0x3F))
        out.append(0x80 | UInt8(truncatingIfNeeded: (cpt >> 6) & 0x3F))
        out.append(0x80 | UInt8(truncatingIfNeeded: cpt & 0x3F))
    }
}

func encodeUTF8(_ cpt: UInt32) -> [UInt8] {
    var out: [UInt8] = []
    appendUTF8(cpt, to: &out)
    return out
}

/// Reads `input` as llama.cpp does, calling `body(cpt, offset, length, original)` for each
/// code point: `length` input bytes at `offset` were read; `original` is true when those
/// bytes are the code point's shortest UTF-8 form (so they can be copied as they are).
@inline(__always)
func forEachLenientCodepoint(
    _ input: UnsafeBufferPointer<UInt8>, _ body: (UInt32, Int, Int, Bool) throws -> Void
) rethrows {
    let n = input.count
    var i = 0
    while i < n {
        let b0 = input[i]
        var cpt: UInt32 = 0xFFFD
        var len = 1
        var valid = true
        if b0 < 0x80 {
            cpt = UInt32(b0)
        } else if b0 & 0x40 == 0 {
            valid = false
        } else if b0 & 0x20 == 0 {
            if i + 1 < n, input[i + 1] & 0xC0 == 0x80 {
                cpt = UInt32(b0 & 0x1F) << 6 | UInt32(input[i + 1] & 0x3F)
                len = 2
            } else {
                valid = false
            }
        } else if b0 & 0x10 == 0 {
            if i + 2 < n, input[i + 1] & 0xC0 == 0x80, input[i + 2] & 0xC0 == 0x80 {
                cpt = UInt32(b0 & 0x0F) << 12 | UInt32(input[i + 1] & 0x3F) << 6 | UInt32(input[i + 2] & 0x3F)
                len = 3
            } else {
                valid = false
            }
        } else if b0 & 0x08 == 0 {
            if i + 3 < n, input[i + 1] & 0xC0 == 0x80, input[i + 2] & 0xC0 == 0x80, input[i + 3] & 0xC0 == 0x80 {
                cpt =
                    UInt32(b0 & 0x07) << 18 | UInt32(input[i + 1] & 0x3F) << 12
                    | UInt32(input[i + 2] & 0x3F) << 6 | UInt32(input[i + 3] & 0x3F)
                len = 4
                if cpt > 0x10FFFF { valid = false; len = 1 }
            } else {
                valid = false
            }
        } else {
            valid = false
        }
        if !valid { cpt = 0xFFFD; len = 1 }
        try body(cpt, i, len, valid && (len > 1 || cpt < 0x80) && isShortestForm(cpt, len))
        i += len
    }
}

@inline(__always)
private func isShortestForm(_ cpt: UInt32, _ len: Int) -> Bool {
    switch len {
    case 1: return true
    case 2: return cpt >= 0x80
    case 3: return cpt >= 0x800
    default: return cpt >= 0x10000
    }
}

/// Text decoded the llama.cpp way: code points, their re-encoding (equal to the input when
/// it was valid UTF-8; each invalid byte becomes EF BF BD), and where each code point
/// starts in the re-encoding (`starts[count]` = total length). For short texts (pieces).
struct DecodedText {
    var codepoints: [UInt32] = []
    var bytes: [UInt8] = []
    var starts: [Int] = []

    init(_ input: UnsafeBufferPointer<UInt8>) {
        forEachLenientCodepoint(input) { cpt, i, len, original in
            codepoints.append(cpt)
            starts.append(bytes.count)
            if original {
                for k in 0..<len { bytes.append(input[i + k]) }
            } else {
                appendUTF8(cpt, to: &bytes)
            }
        }
        starts.append(bytes.count)
    }
}

/// A text fragment decoded for the pre-tokenizer, compactly (7 bytes per code point plus
/// the re-encoding; storage whose allocation failure throws): per code point its ASCII
/// value or 0x80 for any other (all the pre-tokenizer compares), its `CodepointFlags`, and
/// where it starts in `bytes` (the re-encoding, as in `DecodedText`; `starts[count]` =
/// total length).
final class PreTokenizerText {
    let ascii = CheckedBuffer<UInt8>()
    let flags = CheckedBuffer<UInt16>()
    let starts = CheckedBuffer<Int32>()
    let bytes = CheckedBuffer<UInt8>()

    var count: Int { ascii.count }

    func load(_ input: UnsafeBufferPointer<UInt8>) throws {
        ascii.removeAll()
        flags.removeAll()
        starts.removeAll()
        bytes.removeAll()
        try ascii.reserve(input.count)
        try flags.reserve(input.count)
        try starts.reserve(input.count + 1)
        try bytes.reserve(input.count)
        try forEachLenientCodepoint(input) { cpt, i, len, original in
            try ascii.append(cpt < 0x80 ? UInt8(cpt) : 0x80)
            try flags.append(CodepointFlags.of(cpt))
            try starts.append(Int32(truncatingIfNeeded: bytes.count))
            if original {
                for k in 0..<len { try bytes.append(input[i + k]) }
            } else {
                // U+FFFD for an invalid byte, the shortest form of an overlong one.
                if cpt < 0x80 {
                    try bytes.append(UInt8(truncatingIfNeeded: cpt))
                } else if cpt < 0x800 {
                    try bytes.append(0xC0 | UInt8(truncatingIfNeeded: cpt >> 6))
                    try bytes.append(0x80 | UInt8(truncatingIfNeeded: cpt & 0x3F))
                } else if cpt < 0x10000 {
                    try bytes.append(0xE0 | UInt8(truncatingIfNeeded: cpt >> 12))
                    try bytes.append(0x80 | UInt8(truncatingIfNeeded: (cpt >> 6) & 0x3F))
                    try bytes.append(0x80 | UInt8(truncatingIfNeeded: cpt & 0x3F))
                } else {
                    try bytes.append(0xF0 | UInt8(truncatingIfNeeded: (cpt >> 18) & 0x07))
                    try bytes.append(0x80 | UInt8(truncatingIfNeeded: (cpt >> 12) & 0x3F))
                    try bytes.append(0x80 | UInt8(truncatingIfNeeded: (cpt >> 6) & 0x3F))
                    try bytes.append(0x80 | UInt8(truncatingIfNeeded: cpt & 0x3F))
                }
            }
        }
        try starts.append(Int32(truncatingIfNeeded: bytes.count))
    }
}
