/// A JSON value (RFC 8259) as the schema converter reads it. Objects keep their keys in
/// document order (a schema's `properties` order is the order the grammar writes them).
/// (The checkpoint reader has its own JSONValue, with byte strings and integers, built
/// in parallel; one reader for both is a known clean-up.)
public indirect enum SchemaJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's text as written (exact), and its value.
    case number(String, Double)
    case string(String)
    case array([SchemaJSON])
    case object([(String, SchemaJSON)])

    public static func == (a: SchemaJSON, b: SchemaJSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(_, let x), .number(_, let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The member named `key` (the last one if repeated), for objects.
    public subscript(key: String) -> SchemaJSON? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.0 == key }?.1
    }

    /// Parses JSON text strictly: one value, UTF-8, no trailing commas, no comments, no
    /// NaN. Limits: 16 MiB of text and 512 levels of nesting. Throws `.invalidArgument`
    /// naming the byte offset.
    public static func parse(_ bytes: [UInt8]) throws -> SchemaJSON {
        guard bytes.count <= 16 << 20 else { throw LlamaError(.invalidArgument, "JSON: text over 16 MiB") }
        var p = SchemaJSONReader(bytes: bytes)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == bytes.count else { throw p.error("unexpected text after the JSON value") }
        return v
    }

    /// Compact JSON text of the value (strings escaped as JSON requires).
    public var serialized: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let text, _): return text
        case .string(let s): return jsonQuoted(s)
        case .array(let a): return "[" + a.map(\.serialized).joined(separator: ",") + "]"
        case .object(let m): return "{" + m.map { jsonQuoted($0.0) + ":" + $0.1.serialized }.joined(separator: ",") + "}"
        }
    }
}

private struct SchemaJSONReader {
    let bytes: [UInt8]
    var i = 0
    static let maxDepth = 512

    func error(_ m: String) -> LlamaError { LlamaError(.invalidArgument, "JSON: \(m) at byte \(i)") }

    var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    mutating func skipSpace() {
        while let c = peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1 }
    }

    mutating func literal(_ word: String, _ v: SchemaJSON) throws -> SchemaJSON {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw error("invalid literal") }
        i += w.count
        return v
    }

    mutating func value(depth: Int) throws -> SchemaJSON {
        guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        guard let c = peek else { throw error("unexpected end of text") }
        switch c {
        case 0x7B:  // {
            i += 1
            var members: [(String, SchemaJSON)] = []
            skipSpace()
            if peek == 0x7D {
                i += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard peek == 0x22 else { throw error("expected a string key") }
                let k = try string()
                skipSpace()
                guard peek == 0x3A else { throw error("expected ':'") }
                i += 1
                skipSpace()
                members.append((k, try value(depth: depth + 1)))
                skipSpace()
                if peek == 0x2C {
                    i += 1
                    continue
                }
                guard peek == 0x7D else { throw error("expected ',' or '}'") }
                i += 1
                return .object(members)
            }
        case 0x5B:  // [
            i += 1
            var items: [SchemaJSON] = []
            skipSpace()
            if peek == 0x5D {
                i += 1
                return .array(items)
            }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                if peek == 0x2C {
                    i += 1
                    continue
                }
                guard peek == 0x5D else { throw error("expected ',' or ']'") }
                i += 1
                return .array(items)
            }
        case 0x22: return .string(try string())
        case 0x74: return try literal("true", .bool(true))
        case 0x66: return try literal("false", .bool(false))
        case 0x6E: return try literal("null", .null)
        default: return try number()
        }
    }

    mutating func number() throws -> SchemaJSON {
        let start = i
        func digits() -> Int {
            let s = i
            while let c = peek, c >= 0x30 && c <= 0x39 { i += 1 }
            return i - s
        }
        if peek == 0x2D { i += 1 }
        if peek == 0x30 {
            i += 1
        } else {
            guard digits() > 0 else { throw error("invalid value") }
        }
        if peek == 0x2E {
            i += 1
            guard digits() > 0 else { throw error("expected digits after '.'") }
        }
        if peek == 0x65 || peek == 0x45 {
            i += 1
            if peek == 0x2B || peek == 0x2D { i += 1 }
            guard digits() > 0 else { throw error("expected exponent digits") }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        guard let v = Double(text), v.isFinite else { throw error("number out of range") }
        return .number(text, v)
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    mutating func string() throws -> String {
        i += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard let c = peek else { throw error("unterminated string") }
            i += 1
            if c == 0x22 { break }
            if c < 0x20 { throw error("control character in a string") }
            if c != 0x5C {
                out.append(c)
                continue
            }
            guard let e = peek else { throw error("unterminated escape") }
            i += 1
            switch e {
            case 0x22, 0x5C, 0x2F: out.append(e)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var u = try hex4()
                if u >= 0xD800 && u < 0xDC00 {
                    guard i + 6 <= bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 else { throw error("lone surrogate") }
                    i += 2
                    let lo = try hex4()
                    guard lo >= 0xDC00 && lo < 0xE000 else { throw error("invalid surrogate pair") }
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                } else if u >= 0xDC00 && u < 0xE000 {
                    throw error("lone surrogate")
                }
                out += Array(String(Character(Unicode.Scalar(u)!)).utf8)
            default: throw error("invalid escape")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
        return s
    }
}
