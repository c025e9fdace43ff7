#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A piece of the input after special tokens are cut out: raw text (a byte range of the
/// input) or a special token.
enum TextFragment: Equatable {
    case text(Int, Int)
    case token(Int32)
}

extension Tokenizer {
    /// Cuts special tokens out of the text as llama.cpp's `tokenizer_st_partition` does:
    /// for each special token in turn, longest text first, every occurrence in every
    /// remaining text fragment (leftmost first) becomes a token fragment. Without
    /// `parseSpecial`, control and unknown tokens are skipped but user-defined tokens are
    /// still cut out (as Hugging Face does). A token with the lstrip/rstrip attribute (set
    /// by llama.cpp for Phi-3 and a few others) also eats the whitespace (C `isspace`)
    /// before/after it.
    func partition(_ text: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [TextFragment] {
        guard let base = text.baseAddress, text.count > 0 else { return [] }
        var fragments: [TextFragment] = [.text(0, text.count)]
        var next: [TextFragment] = []
        let skipped: TokenAttributes = [.control, .unknown]
        for id in specialTokens {
            let a = attributes[Int(id)]
            if !parseSpecial && !a.isDisjoint(with: skipped) { continue }
            guard let needle = texts[checked: Int(id)], !needle.isEmpty else { continue }
            let lstrip = a.contains(.lstrip), rstrip = a.contains(.rstrip)
            var changed = false
            next.removeAll(keepingCapacity: true)
            needle.withUnsafeBufferPointer { nb in
                guard let np = nb.baseAddress else { return }
                let nlen = nb.count
                for f in fragments {
                    guard case .text(var start, let end) = f else {
                        next.append(f)
                        continue
                    }
                    while true {
                        guard let match = Self.find(np, nlen, in: base, from: start, to: end) else {
                            if end > start { next.append(.text(start, end)) }
                            break
                        }
                        changed = true
                        if match > start {
                            var leftEnd = match
                            if lstrip { while leftEnd > start && Self.isCSpace(base[leftEnd - 1]) { leftEnd -= 1 } }
                            if leftEnd > start { next.append(.text(start, leftEnd)) }
                        }
                        next.append(.token(id))
                        var rightStart = match + nlen
                        if rightStart >= end { break }
                        if rstrip { while rightStart < end && Self.isCSpace(base[rightStart]) { rightStart += 1 } }
                        start = rightStart
                    }
                }
            }
            if changed { swap(&fragments, &next) }
        }
        return fragments
    }

    /// C `isspace` in the "C" locale: space, \t, \n, \v, \f, \r.
    @inline(__always)
    static func isCSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    /// First occurrence of the needle within `[from, to)` of the haystack.
    static func find(
        _ needle: UnsafePointer<UInt8>, _ n: Int, in hay: UnsafePointer<UInt8>, from: Int, to: Int
    ) -> Int? {
        guard to - from >= n, n > 0 else { return nil }
        let first = Int32(needle[0])
        var pos = from
        let lastStart = to - n
        while pos <= lastStart {
            guard let hit = memchr(hay + pos, first, lastStart - pos + 1) else { return nil }
            let p = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - hay
            if memcmp(hay + p, needle, n) == 0 { return p }
            pos = p + 1
        }
        return nil
    }
}
