/// A small JSON reader for test fixtures (the tests may not use Foundation).
/// Numbers are kept as Double; strings are decoded to Swift Strings, with \uXXXX escapes
/// (surrogate pairs joined; an unpaired surrogate becomes U+FFFD).
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var number: Double? { if case .number(let n) = self { return n }; return nil }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var int: Int? { number.flatMap { Int(exactly: $0) } }
}

struct JSONParseError: Error, CustomStringConvertible {
    var offset: Int
    var reason: String
    var description: String { "JSON error at byte \(offset): \(reason)" }
}

struct MiniJSON {
    private let b: [UInt8]
    private var i = 0

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = MiniJSON(b: bytes)
        p.skipSpace()
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.b.count else { throw JSONParseError(offset: p.i, reason: "trailing characters") }
        return v
    }

    private init(b: [UInt8]) { self.b = b }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private func fail(_ r: String) -> JSONParseError { JSONParseError(offset: i, reason: r) }

    private mutating func expect(_ lit: String) throws {
        for c in lit.utf8 {
            guard i < b.count, b[i] == c else { throw fail("expected \(lit)") }
            i += 1
        }
    }

    private mutating func value() throws -> JSONValue {
        guard i < b.count else { throw fail("unexpected end") }
        switch b[i] {
        case 0x7B: return try object()
        case 0x5B: return try array()
        case 0x22: return .string(try string())
        case 0x74: try expect("true"); return .bool(true)
        case 0x66: try expect("false"); return .bool(false)
        case 0x6E: try expect("null"); return .null
        default: return try number()
        }
    }

    private mutating func object() throws -> JSONValue {
        i += 1
        var o: [String: JSONValue] = [:]
        skipSpace()
        if i < b.count, b[i] == 0x7D { i += 1; return .object(o) }
        while true {
            skipSpace()
            guard i < b.count, b[i] == 0x22 else { throw fail("expected key") }
            let k = try string()
            skipSpace()
            try expect(":")
            skipSpace()
            o[k] = try value()
            skipSpace()
            guard i < b.count else { throw fail("unterminated object") }
            if b[i] == 0x2C { i += 1; continue }
            if b[i] == 0x7D { i += 1; return .object(o) }
            throw fail("expected , or }")
        }
    }

    private mutating func array() throws -> JSONValue {
        i += 1
        var a: [JSONValue] = []
        skipSpace()
        if i < b.count, b[i] == 0x5D { i += 1; return .array(a) }
        while true {
            skipSpace()
            a.append(try value())
            skipSpace()
            guard i < b.count else { throw fail("unterminated array") }
            if b[i] == 0x2C { i += 1; continue }
            if b[i] == 0x5D { i += 1; return .array(a) }
            throw fail("expected , or ]")
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= b.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("bad hex digit")
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    private mutating func string() throws -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < b.count else { throw fail("unterminated string") }
            let c = b[i]
            i += 1
            if c == 0x22 { break }
            if c != 0x5C { out.append(c); continue }
            guard i < b.count else { throw fail("bad escape") }
            let e = b[i]
            i += 1
            switch e {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x2F: out.append(0x2F)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var u = try hex4()
                if u >= 0xD800 && u < 0xDC00 {
                    if i + 6 <= b.count, b[i] == 0x5C, b[i + 1] == 0x75 {
                        let save = i
                        i += 2
                        let lo = try hex4()
                        if lo >= 0xDC00 && lo < 0xE000 {
                            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            i = save
                            u = 0xFFFD
                        }
                    } else {
                        u = 0xFFFD
                    }
                } else if u >= 0xDC00 && u < 0xE000 {
                    u = 0xFFFD
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(u) ?? "\u{FFFD}")).utf8))
            default: throw fail("bad escape")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func number() throws -> JSONValue {
        let start = i
        while i < b.count,
            (b[i] >= 0x30 && b[i] <= 0x39) || b[i] == 0x2D || b[i] == 0x2B || b[i] == 0x2E
                || b[i] == 0x65 || b[i] == 0x45
        {
            i += 1
        }
        guard i > start, let d = Double(String(decoding: b[start..<i], as: UTF8.self)) else {
            throw fail("bad number")
        }
        return .number(d)
    }
}
