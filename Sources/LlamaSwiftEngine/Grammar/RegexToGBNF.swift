/// A JSON Schema `pattern` (ECMA-262 regular expression, a subset) → a GBNF expression
/// for the *inside* of a JSON string: literal characters are written as JSON encodes them
/// (`"` as `\"`, `\` as `\\`), `.` and negated classes match one JSON string character.
/// Supported: literals, escapes (`\d \w \s \D \W \S`, `\.` and other escaped
/// punctuation, `\n \t \r`), classes `[...]` and `[^...]`, `.`, groups `( )` and `(?: )`,
/// `|`, quantifiers `* + ? {m} {m,} {m,n}` (a lazy `?` after them is accepted and
/// ignored), and `^`/`$` at the ends. A pattern without `^` (or `$`) may have any text
/// before (after) it, as JSON Schema's unanchored matching means. Anything else
/// (backreferences, lookaround, anchors inside) is `.unsupported` naming it.
enum RegexToGBNF {
    static func convert(_ pattern: String, char: String, path: String) throws -> String {
        var p = Parser(text: Array(pattern.unicodeScalars).map(\.value), char: char, path: path)
        var anchoredStart = false, anchoredEnd = false
        if p.text.first == 0x5E {
            anchoredStart = true
            p.i = 1
        }
        if p.text.count > p.i, p.text.last == 0x24, !(p.text.count >= 2 && p.text[p.text.count - 2] == 0x5C) {
            anchoredEnd = true
            p.text.removeLast()
        }
        let body = try p.alternation()
        guard p.i == p.text.count else { throw p.unsupported("unexpected ')'") }
        return (anchoredStart ? "" : "\(char)* ") + "(" + body + ")" + (anchoredEnd ? "" : " \(char)*")
    }

    private struct Parser {
        var text: [UInt32]
        let char: String
        let path: String
        var i = 0

        func unsupported(_ m: String) -> LlamaError {
            LlamaError(.unsupported, "JSON schema at \(path): pattern: \(m) (at character \(i + 1))")
        }

        var atEnd: Bool { i >= text.count }
        var cur: UInt32 { i < text.count ? text[i] : 0 }

        mutating func alternation() throws -> String {
            var alts = [try sequence()]
            while !atEnd && cur == 0x7C {
                i += 1
                alts.append(try sequence())
            }
            return alts.joined(separator: " | ")
        }

        mutating func sequence() throws -> String {
            var items: [String] = []
            while !atEnd && cur != 0x7C && cur != 0x29 {
                var atom = try self.atom()
                if !atEnd {
                    var q: String? = nil
                    switch cur {
                    case 0x2A: q = "*"
                    case 0x2B: q = "+"
                    case 0x3F: q = "?"
                    case 0x7B:
                        var j = i + 1
                        var s = ""
                        while j < text.count && text[j] != 0x7D {
                            guard (text[j] >= 0x30 && text[j] <= 0x39) || text[j] == 0x2C else {
                                throw unsupported("bad repetition")
                            }
                            s.unicodeScalars.append(Unicode.Scalar(UInt8(text[j])))
                            j += 1
                        }
                        guard j < text.count, !s.isEmpty else { throw unsupported("unterminated repetition") }
                        i = j
                        q = "{" + s + "}"
                    default: break
                    }
                    if let q {
                        i += 1
                        if !atEnd && cur == 0x3F { i += 1 }  // lazy: same language
                        atom = "(" + atom + ")" + q
                    }
                }
                items.append(atom)
            }
            return items.isEmpty ? "\"\"" : items.joined(separator: " ")
        }

        /// A character as it appears inside a JSON string, as a GBNF literal.
        func literal(_ c: UInt32) -> String {
            guard let u = Unicode.Scalar(c) else { return "\"\"" }
            let json = jsonQuoted(String(Character(u)))  // with quotes
            let inner = String(json.unicodeScalars.dropFirst().dropLast())
            return gbnfLiteral(inner)
        }

        static let jsonExclusions = "\"\\\\\\x00-\\x1F"

        func classText(_ c: UInt32) -> String {
            switch c {
            case 0x5D: return "\\]"
            case 0x5B: return "\\["
            case 0x5E: return "\\^"
            case 0x2D: return "\\-"
            default:
                guard let u = Unicode.Scalar(c) else { return "" }
                return String(Character(u))
            }
        }

        mutating func atom() throws -> String {
            let c = cur
            i += 1
            switch c {
            case 0x28:  // (
                if !atEnd && cur == 0x3F {
                    guard i + 1 < text.count, text[i + 1] == 0x3A else {
                        throw unsupported("lookaround and named groups")
                    }
                    i += 2
                }
                let inner = try alternation()
                guard !atEnd && cur == 0x29 else { throw unsupported("unterminated group") }
                i += 1
                return "(" + inner + ")"
            case 0x2E: return char
            case 0x5E, 0x24: throw unsupported("anchors inside the pattern")
            case 0x2A, 0x2B, 0x3F, 0x7B: throw unsupported("a quantifier with nothing before it")
            case 0x5B: return try charClass()
            case 0x5C:
                guard !atEnd else { throw unsupported("trailing backslash") }
                let e = cur
                i += 1
                switch e {
                case 0x64: return "[0-9]"  // \d
                case 0x77: return "[a-zA-Z0-9_]"  // \w
                case 0x73: return "(\" \" | \"\\\\t\" | \"\\\\n\" | \"\\\\r\")"  // \s as JSON writes it
                case 0x44: return "[^0-9\(Self.jsonExclusions)]"
                case 0x57: return "[^a-zA-Z0-9_\(Self.jsonExclusions)]"
                case 0x53: return "[^ \\t\\n\\r\(Self.jsonExclusions)]"
                case 0x6E: return literal(0x0A)
                case 0x74: return literal(0x09)
                case 0x72: return literal(0x0D)
                default:
                    if (e >= 0x30 && e <= 0x39) || (e >= 0x41 && e <= 0x5A) || (e >= 0x61 && e <= 0x7A) {
                        throw unsupported("escape '\\\(String(Character(Unicode.Scalar(UInt8(e)))))'")
                    }
                    return literal(e)
                }
            default:
                return literal(c)
            }
        }

        mutating func charClass() throws -> String {
            var negated = false
            if !atEnd && cur == 0x5E {
                negated = true
                i += 1
            }
            var parts = ""
            var first = true
            while true {
                guard !atEnd else { throw unsupported("unterminated class") }
                if cur == 0x5D && !first {
                    i += 1
                    break
                }
                first = false
                var lo = cur
                i += 1
                if lo == 0x5C {
                    guard !atEnd else { throw unsupported("trailing backslash") }
                    let e = cur
                    i += 1
                    switch e {
                    case 0x64: parts += "0-9"; continue
                    case 0x77: parts += "a-zA-Z0-9_"; continue
                    case 0x6E: lo = 0x0A
                    case 0x74: lo = 0x09
                    case 0x72: lo = 0x0D
                    default:
                        if (e >= 0x30 && e <= 0x39) || (e >= 0x41 && e <= 0x5A) || (e >= 0x61 && e <= 0x7A) {
                            throw unsupported("escape '\\\(String(Character(Unicode.Scalar(UInt8(e)))))' in a class")
                        }
                        lo = e
                    }
                }
                var hi = lo
                if !atEnd && cur == 0x2D && i + 1 < text.count && text[i + 1] != 0x5D {
                    i += 1
                    hi = cur
                    i += 1
                    if hi == 0x5C {
                        guard !atEnd else { throw unsupported("trailing backslash") }
                        hi = cur
                        i += 1
                    }
                    guard lo <= hi else { throw unsupported("a range whose end is before its start") }
                }
                if !negated && (lo <= 0x22 && hi >= 0x22 || lo <= 0x5C && hi >= 0x5C || lo < 0x20) {
                    throw unsupported("a class that includes '\"', '\\' or control characters")
                }
                parts += classText(lo) + (hi != lo ? "-" + classText(hi) : "")
            }
            return negated ? "[^" + parts + Self.jsonExclusions + "]" : "[" + parts + "]"
        }
    }
}
