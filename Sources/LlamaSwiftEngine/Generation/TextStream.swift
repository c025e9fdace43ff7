/// Turns the bytes of generated tokens into text pieces that are safe to show: only
/// whole UTF-8 characters, and never any part of a stop string.
///
/// Why hold back: a token may end in the middle of a character (byte-level vocabularies
/// split emoji and CJK across tokens), and a stop string may arrive across several
/// tokens ("<|" then "end|>"). Emitting eagerly would show a broken character or the
/// start of the stop string; so the tail that is an incomplete character, or a prefix of
/// some stop string, stays pending until the next token decides it.
///
/// Stop strings are matched against the text of every token, including tokens that are
/// not shown: a control token such as `<|im_start|>` streams as nothing, yet its text
/// takes part in matching (a stop list copied from llama.cpp or an Ollama Modelfile names
/// such tokens). Each pending byte remembers whether it is shown.
public struct TextStream {
    let stops: [[UInt8]]
    private(set) var pending: [UInt8] = []
    /// Per pending byte: true if it is streamed, false if it is only matched.
    private var shown: [Bool] = []

    public init(stops: [[UInt8]]) { self.stops = stops.filter { !$0.isEmpty } }

    public enum Step {
        case emit([UInt8])
        /// A stop string was found: the text before it (to emit) ends the stream.
        case stop([UInt8])
    }

    /// Adds a token's text. `shown: false` for text that is matched but never streamed
    /// (control and unknown tokens).
    public mutating func push(_ bytes: [UInt8], shown isShown: Bool = true) -> Step {
        pending += bytes
        shown += repeatElement(isShown, count: bytes.count)
        // A complete stop string anywhere in the pending text ends generation.
        var firstStop: Int? = nil
        for s in stops {
            if let at = Self.find(s, in: pending), at < (firstStop ?? Int.max) { firstStop = at }
        }
        if let at = firstStop {
            let before = visible(upTo: at)
            pending.removeAll()
            shown.removeAll()
            return .stop(before)
        }
        // Hold back the longest tail that could begin a stop string.
        var safe = pending.count
        for s in stops {
            let maxLen = min(s.count - 1, pending.count)
            if maxLen > 0 {
                for len in stride(from: maxLen, through: 1, by: -1)
                where pending.count - len < safe && pending[(pending.count - len)...].elementsEqual(s[..<len]) {
                    safe = pending.count - len
                    break
                }
            }
        }
        // Hold back an unfinished character of the shown text (hidden bytes between its
        // bytes do not finish it).
        var out = visible(upTo: safe)
        let complete = Self.completeUTF8Prefix(out)
        if complete < out.count {
            var unfinished = out.count - complete
            var i = safe
            while unfinished > 0 {
                i -= 1
                if shown[i] { unfinished -= 1 }
            }
            safe = i
            out.removeLast(out.count - complete)
        }
        pending.removeFirst(safe)
        shown.removeFirst(safe)
        return .emit(out)
    }

    /// The shown bytes of `pending[..<end]`.
    private func visible(upTo end: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(end)
        for i in 0..<end where shown[i] { out.append(pending[i]) }
        return out
    }

    /// Whatever is left at the end, with an unfinished character replaced by U+FFFD.
    public mutating func flush() -> [UInt8] {
        let rest = visible(upTo: pending.count)
        pending.removeAll()
        shown.removeAll()
        return Array(String(decoding: rest, as: UTF8.self).utf8)
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard needle.count <= hay.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
            if hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        }
        return nil
    }

    /// Length of the longest prefix that does not end inside a multi-byte character.
    /// (Invalid bytes count as complete: they are passed on, not held forever.)
    static func completeUTF8Prefix(_ b: [UInt8]) -> Int {
        let n = b.count
        var i = n
        var back = 0
        while i > 0 && back < 4 {
            let c = b[i - 1]
            if c & 0xC0 == 0x80 {
                i -= 1
                back += 1
                continue
            }
            let need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1
            // The lead byte at i-1 starts a character of `need` bytes; we have back+1.
            return back + 1 < need && c >= 0xC0 && c < 0xF8 ? i - 1 : n
        }
        return n
    }
}
