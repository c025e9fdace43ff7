/// The pre-tokenizer of a byte-level BPE vocabulary: the sequence of regex splits that
/// llama.cpp's `llm_tokenizer_bpe` constructor chooses for `tokenizer.ggml.pre`, each step
/// cutting every piece of the previous step further (`unicode_regex_split`). The regexes
/// are implemented by hand over code points and `CodepointFlags`; no regex engine.
struct PreTokenizer: Sendable {
    enum Step: Sendable {
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
        /// (llama.cpp's `unicode_regex_split_custom_gpt2`).
        case gpt2
        /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        /// with N = 3 (LLaMA 3, `unicode_regex_split_custom_llama3`) or N = 1 (Qwen2,
        /// `unicode_regex_split_custom_qwen2`).
        case llama3(maxDigits: Int)
        /// `\p{N}`: every number character alone.
        case isolatedNumbers
        /// `\p{N}+`: runs of number characters.
        case numberRuns
        /// `[0-9][0-9][0-9]`: ASCII digits in threes, from the left.
        case asciiDigitTriples
        /// `[\p{P}\$\+<=>\^~\|]+`: runs of punctuation and `$+<=>^~|`.
        case punctuationRuns
    }

    /// How a vocabulary's `tokenizer.ggml.pre` configures llama.cpp beyond the regexes.
    struct Configuration: Sendable {
        var steps: [Step]
        var cleanSpaces = true
        var ignoreMerges = false
        var addBOS = false
        var bosIsNull = false
    }

    let steps: [Step]

    /// The configuration for a pre-tokenizer name, mirroring the `tokenizer_pre ==` chain of
    /// `llama_vocab::impl::load`; nil for a name not implemented here.
    static func configuration(named name: String) -> Configuration? {
        let gpt2Default: [Step] = [.punctuationRuns, .gpt2, .numberRuns, .asciiDigitTriples]
        switch name {
        case "", "default":
            return Configuration(steps: gpt2Default)
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano":
            return Configuration(steps: [.llama3(maxDigits: 3)], ignoreMerges: true, addBOS: true)
        case "dbrx", "smaug-bpe":
            return Configuration(steps: [.llama3(maxDigits: 3)])
        case "chatglm-bpe":
            return Configuration(steps: [.llama3(maxDigits: 3)], bosIsNull: true)
        case "glm4", "glm5":
            return Configuration(steps: [.llama3(maxDigits: 3)], ignoreMerges: true, bosIsNull: true)
        case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open":
            return Configuration(steps: [.llama3(maxDigits: 1)], cleanSpaces: false)
        case "stablelm2", "megrez":
            return Configuration(steps: [.llama3(maxDigits: 1)])
        case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
            "modern-bert", "exaone4", "mpt", "olmo", "jais":
            return Configuration(steps: [.gpt2])
        case "trillion", "granite-docling":
            return Configuration(steps: [.gpt2], cleanSpaces: false)
        case "smollm", "command-r":
            return Configuration(steps: [.isolatedNumbers, .gpt2], cleanSpaces: false)
        case "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2":
            return Configuration(steps: [.isolatedNumbers, .gpt2])
        case "falcon":
            return Configuration(steps: [.punctuationRuns, .gpt2, .asciiDigitTriples])
        default:
            return nil
        }
    }

    /// Cuts `text` into words: fills `ends` with the end index (in code points) of each
    /// word, in order (`scratch` is working storage). Empty pieces are never produced.
    func split(
        _ text: PreTokenizerText, into ends: inout CheckedBuffer<Int32>, scratch: inout CheckedBuffer<Int32>
    ) throws {
        ends.removeAll()
        guard text.count > 0 else { return }
        try ends.append(Int32(text.count))
        let cpts = UnsafeBufferPointer(text.ascii.buffer)
        let fl = UnsafeBufferPointer(text.flags.buffer)
        for step in steps {
            scratch.removeAll()
            var start = 0
            for k in 0..<ends.count {
                let end = Int(ends[k])
                var s = Splitter(cpts: cpts, flags: fl, ini: start, end: end)
                try s.run(step, into: scratch)
                start = end
            }
            swap(&ends, &scratch)
        }
    }
}

/// One fragment being cut by one step; `ini..<end` is the fragment in code points.
private struct Splitter {
    /// Code points as the pre-tokenizer sees them: ASCII as is, any other 0x80.
    let cpts: UnsafeBufferPointer<UInt8>
    let flags: UnsafeBufferPointer<UInt16>
    let ini: Int
    let end: Int
    var prevEnd: Int

    init(cpts: UnsafeBufferPointer<UInt8>, flags: UnsafeBufferPointer<UInt16>, ini: Int, end: Int) {
        self.cpts = cpts
        self.flags = flags
        self.ini = ini
        self.end = end
        self.prevEnd = ini
    }

    static let outOfRange: UInt32 = 0xFFFF_FFFF

    @inline(__always) func cpt(_ i: Int) -> UInt32 { i >= ini && i < end ? UInt32(cpts[i]) : Self.outOfRange }
    @inline(__always) func fl(_ i: Int) -> UInt16 { i >= ini && i < end ? flags[i] : 0 }

    @inline(__always) mutating func add(_ e: Int, _ out: CheckedBuffer<Int32>) throws {
        if e > prevEnd { try out.append(Int32(truncatingIfNeeded: e)) }
        prevEnd = e
    }

    mutating func run(_ step: PreTokenizer.Step, into out: CheckedBuffer<Int32>) throws {
        switch step {
        case .gpt2: try gpt2(out)
        case .llama3(let maxDigits): try llama3(maxDigits, out)
        case .isolatedNumbers: try classSplit(maxRun: 1, matchLength: 1, Self.isNumberCollapsed, out)
        case .numberRuns: try classSplit(maxRun: Int.max, matchLength: 1, Self.isNumberCollapsed, out)
        case .asciiDigitTriples: try classSplit(maxRun: 3, matchLength: 3, { c, _ in c >= 0x30 && c <= 0x39 }, out)
        case .punctuationRuns: try classSplit(maxRun: Int.max, matchLength: 1, Self.isPunctuationCollapsed, out)
        }
    }

    // MARK: character classes of the std::regex fallback

    // llama.cpp runs non-custom regexes with std::regex over a "collapsed" text: ASCII code
    // points stay as they are, every other one becomes one byte standing for its class
    // (whitespace → \v, number → 0xD1, letter → 0xD2, punctuation → 0xD3, mark → 0xD4,
    // symbol → 0xD5, anything else 0xD0), and `\p{X}` in the regex becomes that byte plus
    // the ASCII members of X. These predicates are those classes.

    static func isNumberCollapsed(_ c: UInt32, _ f: UInt16) -> Bool {
        if c < 0x80 { return c >= 0x30 && c <= 0x39 }
        return f & CodepointFlags.whitespace == 0 && f & CodepointFlags.categoryMask == CodepointFlags.number
    }

    static func isPunctuationCollapsed(_ c: UInt32, _ f: UInt16) -> Bool {
        if c < 0x80 {
            // ASCII \p{P} as llama.cpp lists it (!-#%-*,-/:-;?-@[-]_{}) plus $+<=>^~|:
            // every printable non-alphanumeric character except the backquote.
            return c > 0x20 && c < 0x7F && c != 0x60 && !(c >= 0x30 && c <= 0x39)
                && !(c >= 0x41 && c <= 0x5A) && !(c >= 0x61 && c <= 0x7A)
        }
        return f & CodepointFlags.whitespace == 0 && f & CodepointFlags.categoryMask == CodepointFlags.punctuation
    }

    /// Leftmost matches of `class{matchLength}` (matchLength 1: runs of at most `maxRun`,
    /// greedy; matchLength 3: exactly three), each match a piece and each gap between
    /// matches a piece — `unicode_regex_split_stl` over one fragment.
    mutating func classSplit(
        maxRun: Int, matchLength: Int, _ inClass: (UInt32, UInt16) -> Bool, _ out: CheckedBuffer<Int32>
    ) throws {
        var pos = ini
        while pos < end {
            guard inClass(UInt32(cpts[pos]), flags[pos]) else {
                pos += 1
                continue
            }
            var runEnd = pos
            while runEnd < end && inClass(UInt32(cpts[runEnd]), flags[runEnd]) { runEnd += 1 }
            if matchLength > 1 {
                // Exact-length matches: the run holds (len / k) matches; the rest belongs
                // to the gap that follows.
                let k = matchLength
                let matches = (runEnd - pos) / k
                if matches == 0 {
                    pos = runEnd
                    continue
                }
                try add(pos, out)  // the gap before
                for m in 1...matches { try add(pos + m * k, out) }
                pos = runEnd
                continue
            }
            try add(pos, out)  // the gap before
            var p = pos
            while p < runEnd {
                let stop = runEnd - p > maxRun ? p + maxRun : runEnd
                try add(stop, out)
                p = stop
            }
            pos = runEnd
        }
        try add(end, out)
    }

    // MARK: hand-written regexes

    @inline(__always) static func isLetter(_ f: UInt16) -> Bool { f & CodepointFlags.letter != 0 }
    @inline(__always) static func isNumber(_ f: UInt16) -> Bool { f & CodepointFlags.number != 0 }
    @inline(__always) static func isSpace(_ f: UInt16) -> Bool { f & CodepointFlags.whitespace != 0 }
    @inline(__always) static func isOther(_ f: UInt16) -> Bool {
        f & (CodepointFlags.whitespace | CodepointFlags.letter | CodepointFlags.number) == 0 && f != 0
    }

    /// Contraction at `pos` ('s 't 'm 'd 're 've 'll), optionally case-insensitive:
    /// returns its length (2 or 3) or 0.
    @inline(__always) func contraction(at pos: Int, ignoringCase: Bool) -> Int {
        guard cpt(pos) == 0x27, pos + 1 < end else { return 0 }
        func low(_ c: UInt32) -> UInt32 { ignoringCase && c >= 0x41 && c <= 0x5A ? c + 32 : c }
        let n1 = low(cpt(pos + 1))
        if n1 == 0x73 || n1 == 0x74 || n1 == 0x6D || n1 == 0x64 { return 2 }  // s t m d
        if pos + 2 < end {
            let n2 = low(cpt(pos + 2))
            if (n1 == 0x72 && n2 == 0x65) || (n1 == 0x76 && n2 == 0x65) || (n1 == 0x6C && n2 == 0x6C) { return 3 }
        }
        return 0
    }

    mutating func gpt2(_ out: CheckedBuffer<Int32>) throws {
        var pos = ini
        while pos < end {
            let c = cpt(pos)
            let f = fl(pos)
            let cl = contraction(at: pos, ignoringCase: false)
            if cl > 0 {
                pos += cl
                try add(pos, out)
                continue
            }
            let lead = c == 0x20 ? 1 : 0
            let f2 = c == 0x20 ? fl(pos + 1) : f
            if Self.isLetter(f2) {
                pos += lead
                while Self.isLetter(fl(pos)) { pos += 1 }
                try add(pos, out)
                continue
            }
            if Self.isNumber(f2) {
                pos += lead
                while Self.isNumber(fl(pos)) { pos += 1 }
                try add(pos, out)
                continue
            }
            if Self.isOther(f2) {
                pos += lead
                while Self.isOther(fl(pos)) { pos += 1 }
                try add(pos, out)
                continue
            }
            var spaces = 0
            while Self.isSpace(fl(pos + spaces)) { spaces += 1 }
            if spaces > 1 && cpt(pos + spaces) != Self.outOfRange {  // \s+(?!\S)
                pos += spaces - 1
                try add(pos, out)
                continue
            }
            if spaces > 0 {
                pos += spaces
                try add(pos, out)
                continue
            }
            pos += 1
            try add(pos, out)
        }
    }

    mutating func llama3(_ maxDigits: Int, _ out: CheckedBuffer<Int32>) throws {
        var pos = ini
        while pos < end {
            let c = cpt(pos)
            let f = fl(pos)
            let cl = contraction(at: pos, ignoringCase: true)
            if cl > 0 {
                pos += cl
                try add(pos, out)
                continue
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(c == 0x0D || c == 0x0A || Self.isNumber(f)) {
                if Self.isLetter(f) || Self.isLetter(fl(pos + 1)) {
                    pos += 1
                    while Self.isLetter(fl(pos)) { pos += 1 }
                    try add(pos, out)
                    continue
                }
            }
            // \p{N}{1,maxDigits}
            if Self.isNumber(f) {
                var first = pos
                while Self.isNumber(fl(pos)) {
                    pos += 1
                    if pos - first >= maxDigits {
                        try add(pos, out)
                        first = pos
                    }
                }
                try add(pos, out)
                continue
            }
            // <space>?[^\s\p{L}\p{N}]+[\r\n]*  (llama.cpp tests the first character's own
            // flags for being in the fragment, not the flags after the space)
            var f2 = c == 0x20 ? fl(pos + 1) : f
            if f2 & (CodepointFlags.whitespace | CodepointFlags.letter | CodepointFlags.number) == 0 && f != 0 {
                pos += c == 0x20 ? 1 : 0
                while Self.isOther(f2) {
                    pos += 1
                    f2 = fl(pos)
                }
                var c2 = cpt(pos)
                while c2 == 0x0D || c2 == 0x0A {
                    pos += 1
                    c2 = cpt(pos)
                }
                try add(pos, out)
                continue
            }
            var spaces = 0
            var lastLineEnd = 0
            while Self.isSpace(fl(pos + spaces)) {
                let c2 = cpt(pos + spaces)
                if c2 == 0x0D || c2 == 0x0A { lastLineEnd = pos + spaces + 1 }
                spaces += 1
            }
            if lastLineEnd > 0 {  // \s*[\r\n]+
                pos = lastLineEnd
                try add(pos, out)
                continue
            }
            if spaces > 1 && cpt(pos + spaces) != Self.outOfRange {  // \s+(?!\S)
                pos += spaces - 1
                try add(pos, out)
                continue
            }
            if spaces > 0 {  // \s+
                pos += spaces
                try add(pos, out)
                continue
            }
            pos += 1
            try add(pos, out)
        }
    }
}
