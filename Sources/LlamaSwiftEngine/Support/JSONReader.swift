/// The engine's one JSON reader: a strict parser (RFC 8259) written for hostile input —
/// every byte is checked against the grammar, nesting of arrays and objects is limited
/// (a 100 MB file of `[[[[…` is refused at the limit, not recursed into), the input size
/// is limited by the caller, and nothing traps: every failure is an error naming the
/// byte offset. Its readers: the checkpoint folder's JSON files and safetensors headers
/// (`JSONValue`, through `JSONParser.parse`) and JSON Schemas (`SchemaJSON.parse`); each
/// builds its own values (`JSONValueBuilder`) and sets its `JSONReadingRules`.
///
/// Accepted: the grammar of RFC 8259 §2–7 exactly (no comments, no trailing commas, no
/// NaN/Infinity, no leading zeros, no control characters inside strings, numbers of at
/// most 400 characters). `\uXXXX` escapes are decoded to UTF-8 with surrogate pairs
/// joined. Under `strictStrings` a string must be valid UTF-8 and an unpaired surrogate
/// escape is an error; otherwise raw bytes inside strings are kept as they are (invalid
/// UTF-8 too: vocabularies are byte strings) and an unpaired surrogate becomes U+FFFD (as
/// Python's json module and HF tokenizers both accept such text).
///
/// Why not Foundation's JSONDecoder: linked statically into libllamaswift.so it adds
/// 7.5 MB to the stripped library (measured: a probe library grows from 6.2 to 13.6 MB
/// stripped; see docs/checkpoints.md), more than the engine itself.
struct JSONReadingRules {
    /// Arrays and objects nested deeper than this are an error.
    var maxDepth: Int
    /// Strings must be valid UTF-8, unpaired surrogate escapes are errors (see above).
    var strictStrings: Bool
    /// The error for a failure at a byte offset, with the reason.
    var error: (_ offset: Int, _ reason: String) -> LlamaError
}

/// How a reader's values are made: the parser hands over each piece as it completes it.
protocol JSONValueBuilder {
    associatedtype Value
    static var null: Value { get }
    static func bool(_ b: Bool) -> Value
    /// A number's text as written (the RFC's grammar) and whether it has neither fraction
    /// nor exponent; nil when the value is out of range.
    static func number(_ text: String, isInteger: Bool) -> Value?
    static func string(_ bytes: [UInt8]) -> Value
    static func array(_ items: [Value]) -> Value
    /// An object's members in document order, duplicates included.
    static func object(_ members: [(String, Value)]) -> Value
}

struct JSONReader<Builder: JSONValueBuilder> {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    private var i = 0
    private let rules: JSONReadingRules

    /// Parses `bytes` (all of them: trailing non-space is an error).
    static func parse(_ bytes: UnsafeRawBufferPointer, rules: JSONReadingRules) throws -> Builder.Value {
        guard let b = bytes.baseAddress, bytes.count > 0 else { throw rules.error(0, "empty JSON") }
        var p = JSONReader(base: b.assumingMemoryBound(to: UInt8.self), count: bytes.count, rules: rules)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == p.count else { throw p.error("unexpected characters after the JSON value") }
        return v
    }

    private init(base: UnsafePointer<UInt8>, count: Int, rules: JSONReadingRules) {
        self.base = base
        self.count = count
        self.rules = rules
    }

    private func error(_ reason: String) -> LlamaError { rules.error(i, reason) }

    private var peek: UInt8? { i < count ? base[i] : nil }

    private mutating func skipSpace() {
        while i < count, base[i] == 0x20 || base[i] == 0x0A || base[i] == 0x0D || base[i] == 0x09 { i += 1 }
    }

    private mutating func expect(_ literal: StaticString, _ v: Builder.Value) throws -> Builder.Value {
        let n = literal.utf8CodeUnitCount
        guard n <= count - i else { throw error("truncated literal") }
        for k in 0..<n where base[i + k] != literal.utf8Start[k] { throw error("invalid literal") }
        i += n
        return v
    }

    private mutating func value(depth: Int) throws -> Builder.Value {
        guard let c = peek else { throw error("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return Builder.string(try string())
        case UInt8(ascii: "t"): return try expect("true", Builder.bool(true))
        case UInt8(ascii: "f"): return try expect("false", Builder.bool(false))
        case UInt8(ascii: "n"): return try expect("null", Builder.null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character 0x\(String(c, radix: 16))")
        }
    }

    private mutating func object(depth: Int) throws -> Builder.Value {
        guard depth <= rules.maxDepth else { throw error("nested deeper than \(rules.maxDepth) levels") }
        i += 1
        var o: [(String, Builder.Value)] = []
        skipSpace()
        if peek == UInt8(ascii: "}") {
            i += 1
            return Builder.object(o)
        }
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = String(decoding: try string(), as: UTF8.self)
            skipSpace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':'") }
            i += 1
            skipSpace()
            o.append((key, try value(depth: depth)))
            skipSpace()
            guard let c = peek else { throw error("unterminated object") }
            i += 1
            if c == UInt8(ascii: "}") { return Builder.object(o) }
            guard c == UInt8(ascii: ",") else { throw error("expected ',' or '}'") }
        }
    }

    private mutating func array(depth: Int) throws -> Builder.Value {
        guard depth <= rules.maxDepth else { throw error("nested deeper than \(rules.maxDepth) levels") }
        i += 1
        var a: [Builder.Value] = []
        skipSpace()
        if peek == UInt8(ascii: "]") {
            i += 1
            return Builder.array(a)
        }
        while true {
            skipSpace()
            a.append(try value(depth: depth))
            skipSpace()
            guard let c = peek else { throw error("unterminated array") }
            i += 1
            if c == UInt8(ascii: "]") { return Builder.array(a) }
            guard c == UInt8(ascii: ",") else { throw error("expected ',' or ']'") }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard 4 <= count - i else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = base[i]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private static func appendUTF8(_ cp: UInt32, to out: inout [UInt8]) {
        switch cp {
        case 0..<0x80: out.append(UInt8(cp))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | cp >> 6)); out.append(UInt8(0x80 | cp & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | cp >> 12)); out.append(UInt8(0x80 | cp >> 6 & 0x3F))
            out.append(UInt8(0x80 | cp & 0x3F))
        default:
            out.append(UInt8(0xF0 | cp >> 18)); out.append(UInt8(0x80 | cp >> 12 & 0x3F))
            out.append(UInt8(0x80 | cp >> 6 & 0x3F)); out.append(UInt8(0x80 | cp & 0x3F))
        }
    }

    /// U+FFFD for an unpaired surrogate escape, or the error under strictStrings.
    private func unpairedSurrogate() throws -> UInt32 {
        guard !rules.strictStrings else { throw error("an unpaired surrogate escape") }
        return 0xFFFD
    }

    private mutating func string() throws -> [UInt8] {
        i += 1  // opening quote
        var out: [UInt8] = []
        // Fast path: a run without escapes.
        var start = i
        while true {
            guard i < count else { throw error("unterminated string") }
            let c = base[i]
            if c == UInt8(ascii: "\"") {
                out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - start))
                if rules.strictStrings && String(validating: out, as: UTF8.self) == nil {
                    throw error("a string that is not valid UTF-8")
                }
                i += 1
                return out
            }
            if c < 0x20 { throw error("control character 0x\(String(c, radix: 16)) in a string") }
            if c != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - start))
            i += 1
            guard i < count else { throw error("unterminated escape") }
            let e = base[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var cp = try hex4()
                if cp >= 0xD800 && cp < 0xDC00 {
                    // A high surrogate: joined with a following \uDC00–\uDFFF, else U+FFFD
                    // (an error under strictStrings).
                    if 6 <= count - i, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") {
                        let save = i
                        i += 2
                        let lo = try hex4()
                        if lo >= 0xDC00 && lo < 0xE000 {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            cp = try unpairedSurrogate()
                            i = save
                        }
                    } else {
                        cp = try unpairedSurrogate()
                    }
                } else if cp >= 0xDC00 && cp < 0xE000 {
                    cp = try unpairedSurrogate()
                }
                Self.appendUTF8(cp, to: &out)
            default:
                throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
            }
            start = i
        }
    }

    private mutating func number() throws -> Builder.Value {
        let start = i
        var isInteger = true
        if peek == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int {
            let s = i
            while i < count, base[i] >= UInt8(ascii: "0"), base[i] <= UInt8(ascii: "9") { i += 1 }
            return i - s
        }
        guard let first = peek, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            throw error("a number needs digits")
        }
        if first == UInt8(ascii: "0") {
            i += 1
        } else {
            _ = digits()
        }
        if peek == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard digits() > 0 else { throw error("a fraction needs digits") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw error("an exponent needs digits") }
        }
        guard i - start <= 400 else { throw error("number too long") }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self)
        guard let v = Builder.number(text, isInteger: isInteger) else { throw error("number out of range") }
        return v
    }
}
