/// A strict JSON parser (RFC 8259) for the JSON files of a Hugging Face checkpoint folder
/// and safetensors headers, written for hostile input: every byte is checked against the
/// grammar, nesting is limited to `maxDepth` (a 100 MB file of `[[[[…` is refused at
/// depth 65, not recursed into), the input size is limited by the caller, and nothing
/// traps — every failure is a FORMAT error naming the file and the byte offset.
///
/// Accepted: the grammar of RFC 8259 §2–7 exactly (no comments, no trailing commas, no
/// NaN/Infinity, no leading zeros, no control characters inside strings). `\uXXXX`
/// escapes are decoded to UTF-8 with surrogate pairs joined; an unpaired surrogate
/// becomes U+FFFD (as Python's json module and HF tokenizers both accept such text).
/// Raw bytes inside strings are taken as they are (invalid UTF-8 is kept, not rejected:
/// vocabularies are byte strings).
///
/// Why not Foundation's JSONDecoder: linked statically into libllamaswift.so it adds
/// 7.5 MB to the stripped library (measured: a probe library grows from 6.2 to 13.6 MB
/// stripped; see docs/checkpoints.md), more than the engine itself.
struct JSONParser {
    static let maxDepth = 64

    private let base: UnsafePointer<UInt8>
    private let count: Int
    private var i = 0
    private let what: String

    /// Parses `bytes` (all of them: trailing non-space is an error). `what` names the
    /// input in errors ("'config.json'").
    static func parse(_ bytes: UnsafeRawBufferPointer, what: String) throws -> JSONValue {
        guard let b = bytes.baseAddress, bytes.count > 0 else {
            throw LlamaError.format("\(what): empty JSON")
        }
        var p = JSONParser(base: b.assumingMemoryBound(to: UInt8.self), count: bytes.count, what: what)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == p.count else { throw p.error("unexpected characters after the JSON value") }
        return v
    }

    static func parse(_ bytes: [UInt8], what: String) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0, what: what) }
    }

    private init(base: UnsafePointer<UInt8>, count: Int, what: String) {
        self.base = base
        self.count = count
        self.what = what
    }

    private func error(_ reason: String) -> LlamaError {
        LlamaError.format("\(what): invalid JSON at byte \(i): \(reason)")
    }

    private var peek: UInt8? { i < count ? base[i] : nil }

    private mutating func skipSpace() {
        while i < count, base[i] == 0x20 || base[i] == 0x0A || base[i] == 0x0D || base[i] == 0x09 { i += 1 }
    }

    private mutating func expect(_ literal: StaticString, _ v: JSONValue) throws -> JSONValue {
        let n = literal.utf8CodeUnitCount
        guard n <= count - i else { throw error("truncated literal") }
        for k in 0..<n where base[i + k] != literal.utf8Start[k] { throw error("invalid literal") }
        i += n
        return v
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard let c = peek else { throw error("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character 0x\(String(c, radix: 16))")
        }
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        guard depth <= Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        i += 1
        var o = JSONObject()
        skipSpace()
        if peek == UInt8(ascii: "}") {
            i += 1
            return .object(o)
        }
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = String(decoding: try string(), as: UTF8.self)
            skipSpace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':'") }
            i += 1
            skipSpace()
            o.append(key, try value(depth: depth))
            skipSpace()
            guard let c = peek else { throw error("unterminated object") }
            i += 1
            if c == UInt8(ascii: "}") { return .object(o) }
            guard c == UInt8(ascii: ",") else { throw error("expected ',' or '}'") }
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        guard depth <= Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        i += 1
        var a: [JSONValue] = []
        skipSpace()
        if peek == UInt8(ascii: "]") {
            i += 1
            return .array(a)
        }
        while true {
            skipSpace()
            a.append(try value(depth: depth))
            skipSpace()
            guard let c = peek else { throw error("unterminated array") }
            i += 1
            if c == UInt8(ascii: "]") { return .array(a) }
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
                    // A high surrogate: joined with a following \uDC00–\uDFFF, else U+FFFD.
                    if 6 <= count - i, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") {
                        let save = i
                        i += 2
                        let lo = try hex4()
                        if lo >= 0xDC00 && lo < 0xE000 {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            cp = 0xFFFD
                            i = save
                        }
                    } else {
                        cp = 0xFFFD
                    }
                } else if cp >= 0xDC00 && cp < 0xE000 {
                    cp = 0xFFFD
                }
                Self.appendUTF8(cp, to: &out)
            default:
                throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
            }
            start = i
        }
    }

    private mutating func number() throws -> JSONValue {
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
        if isInteger, let v = Int64(text) { return .integer(v) }
        guard let d = Double(text), d.isFinite else { throw error("number out of range") }
        return .number(d)
    }
}
