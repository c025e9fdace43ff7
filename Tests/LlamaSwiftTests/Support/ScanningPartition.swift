#if canImport(Glibc)
    import Glibc
#endif
@testable import LlamaSwiftEngine

/// The special-token partition as it was written before issue 15 (item 8): one scan of
/// every remaining text fragment per special token, a direct transcription of llama.cpp's
/// `tokenizer_st_partition`. Quadratic, kept only as the oracle `Tokenizer.partition`
/// is checked against.
enum ScanningPartition {
    enum Fragment: Equatable, CustomStringConvertible {
        case text(Int, Int)
        case token(Int32)
        var description: String {
            switch self {
            case .text(let a, let b): return "text(\(a),\(b))"
            case .token(let t): return "token(\(t))"
            }
        }
    }

    static func partition(_ t: Tokenizer, _ text: [UInt8], parseSpecial: Bool) -> [Fragment] {
        text.withUnsafeBufferPointer { partition(t, $0, parseSpecial: parseSpecial) }
    }

    static func partition(_ t: Tokenizer, _ text: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        guard let base = text.baseAddress, text.count > 0 else { return [] }
        var fragments: [Fragment] = [.text(0, text.count)]
        var next: [Fragment] = []
        let skipped: TokenAttributes = [.control, .unknown]
        for id in t.specialTokens {
            let a = t.attributes[Int(id)]
            if !parseSpecial && !a.isDisjoint(with: skipped) { continue }
            guard let needle = t.texts[checked: Int(id)], !needle.isEmpty else { continue }
            let lstrip = a.contains(.lstrip), rstrip = a.contains(.rstrip)
            var changed = false
            next.removeAll(keepingCapacity: true)
            Array(needle).withUnsafeBufferPointer { nb in
                let np = nb.baseAddress!
                let nlen = nb.count
                for f in fragments {
                    guard case .text(var start, let end) = f else {
                        next.append(f)
                        continue
                    }
                    while true {
                        guard let match = find(np, nlen, in: base, from: start, to: end) else {
                            if end > start { next.append(.text(start, end)) }
                            break
                        }
                        changed = true
                        if match > start {
                            var leftEnd = match
                            if lstrip {
                                while leftEnd > start && Tokenizer.isCSpace(base[leftEnd - 1]) { leftEnd -= 1 }
                            }
                            if leftEnd > start { next.append(.text(start, leftEnd)) }
                        }
                        next.append(.token(id))
                        var rightStart = match + nlen
                        if rightStart >= end { break }
                        if rstrip { while rightStart < end && Tokenizer.isCSpace(base[rightStart]) { rightStart += 1 } }
                        start = rightStart
                    }
                }
            }
            if changed { swap(&fragments, &next) }
        }
        return fragments
    }

    static func find(
        _ needle: UnsafePointer<UInt8>, _ n: Int, in hay: UnsafePointer<UInt8>, from: Int, to: Int
    ) -> Int? {
        guard to - from >= n, n > 0 else { return nil }
        var pos = from
        while pos <= to - n {
            if memcmp(hay + pos, needle, n) == 0 { return pos }
            pos += 1
        }
        return nil
    }

    /// `Tokenizer.partition`'s result in the oracle's terms.
    static func fast(_ t: Tokenizer, _ text: [UInt8], parseSpecial: Bool) throws -> [Fragment] {
        let f = try text.withUnsafeBufferPointer { try t.partition($0, parseSpecial: parseSpecial) }
        return (0..<f.count).map {
            switch f[$0] {
            case .text(let a, let b): return .text(Int(a), Int(b))
            case .token(let id): return .token(id)
            }
        }
    }
}
