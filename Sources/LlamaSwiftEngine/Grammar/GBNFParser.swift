/// GBNF (llama.cpp's grammar format) → `Grammar`. Our own recursive-descent parser of the
/// syntax llama.cpp documents in grammars/README.md:
///
///     rule     ::= name "::=" alternatives          (ends at a newline outside parentheses)
///     alternatives ::= sequence ("|" sequence)*     (a newline may follow "|")
///     sequence ::= (primary postfix*)*
///     primary  ::= "\"" literal "\"" | "[" "^"? class "]" | "." | name | "(" alternatives ")"
///     postfix  ::= "*" | "+" | "?" | "{" m "}" | "{" m ",}" | "{" m "," n "}"
///
/// Escapes in literals and classes: `\n \r \t \\ \" \[ \] \- \xHH \uHHHH \UHHHHHHHH`.
/// `#` starts a comment to the end of the line. Names are `[a-zA-Z0-9_-]+`. The text is
/// UTF-8; terminals are code points. Errors give the 1-based line and column (in
/// characters) where the problem was found. Refused, as llama.cpp refuses or cannot run
/// them: left recursion (a rule that can reach itself before consuming a character,
/// including a repetition of something that can match nothing) and undefined rules; a rule
/// defined twice is also refused (llama.cpp keeps the last definition). llama.cpp's token
/// references (`<[id]>`, `<text>`, `!<…>`) are not supported (an error says so).
struct GBNFParser {
    private indirect enum Node {
        case chars(CharClass)
        case ref(String, Int)
        case sequence([Node])
        case alternatives([Node])
        case repetition(Node, min: Int, max: Int?)
    }

    private let source: [UInt8]
    private var text: [UInt32] = []
    private var i = 0

    /// Limits that keep a hostile grammar from exhausting memory.
    static let maxElements = 1 << 21
    static let maxRepetition = 100_000

    init(text: [UInt8]) { source = text }

    // MARK: - Errors

    private func lineColumn(_ pos: Int) -> (Int, Int) {
        var line = 1, col = 1
        for k in 0..<min(pos, text.count) {
            if text[k] == 0x0A {
                line += 1
                col = 1
            } else {
                col += 1
            }
        }
        return (line, col)
    }

    private func error(_ message: String, at pos: Int? = nil) -> LlamaError {
        let (l, c) = lineColumn(pos ?? i)
        return LlamaError(.invalidArgument, "grammar: line \(l), column \(c): \(message)")
    }

    // MARK: - Characters

    private mutating func decode() throws {
        var out: [UInt32] = []
        out.reserveCapacity(source.count)
        var k = 0
        while k < source.count {
            let b = source[k]
            var n = 0
            var v: UInt32 = 0
            if b < 0x80 {
                v = UInt32(b)
            } else if b & 0xE0 == 0xC0 {
                n = 1
                v = UInt32(b & 0x1F)
            } else if b & 0xF0 == 0xE0 {
                n = 2
                v = UInt32(b & 0x0F)
            } else if b & 0xF8 == 0xF0 {
                n = 3
                v = UInt32(b & 0x07)
            } else {
                text = out
                throw error("the grammar is not valid UTF-8", at: out.count)
            }
            guard k + n < source.count else {
                text = out
                throw error("the grammar is not valid UTF-8 (truncated character)", at: out.count)
            }
            for j in 0..<n {
                let c = source[k + 1 + j]
                guard c & 0xC0 == 0x80 else {
                    text = out
                    throw error("the grammar is not valid UTF-8", at: out.count)
                }
                v = v << 6 | UInt32(c & 0x3F)
            }
            out.append(v)
            k += n + 1
        }
        text = out
    }

    private static func charText(_ c: UInt32) -> String {
        guard let u = Unicode.Scalar(c), c >= 0x20 else { return "U+" + String(c, radix: 16, uppercase: true) }
        return String(Character(u))
    }

    private var atEnd: Bool { i >= text.count }
    private var current: UInt32 { i < text.count ? text[i] : 0 }

    private static func isNameChar(_ c: UInt32) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
    }

    /// Skips blanks and comments; newlines too when `newlines`.
    private mutating func skipSpace(newlines: Bool) {
        while !atEnd {
            let c = current
            if c == 0x20 || c == 0x09 {
                i += 1
            } else if c == 0x0A || c == 0x0D {
                guard newlines else { return }
                i += 1
            } else if c == 0x23 {  // '#'
                while !atEnd && current != 0x0A && current != 0x0D { i += 1 }
            } else {
                return
            }
        }
    }

    private mutating func name() throws -> String {
        let start = i
        while !atEnd && Self.isNameChar(current) { i += 1 }
        guard i > start else { throw error("expected a rule name") }
        return String(decoding: text[start..<i].map { UInt8($0) }, as: UTF8.self)
    }

    private mutating func hex(_ digits: Int) throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<digits {
            let c = current
            let d: UInt32
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x61...0x66: d = c - 0x61 + 10
            case 0x41...0x46: d = c - 0x41 + 10
            default: throw error("expected \(digits) hexadecimal digits in an escape")
            }
            v = v << 4 | d
            i += 1
        }
        guard v <= 0x10FFFF else { throw error("escape \\U\(String(v, radix: 16)) is beyond U+10FFFF", at: i - digits) }
        return v
    }

    /// One character of a literal or class, with escapes.
    private mutating func char() throws -> UInt32 {
        guard !atEnd else { throw error("unexpected end of the grammar") }
        let c = current
        i += 1
        guard c == 0x5C else { return c }  // '\'
        guard !atEnd else { throw error("unexpected end of the grammar after '\\'") }
        let e = current
        i += 1
        switch e {
        case 0x6E: return 0x0A  // n
        case 0x72: return 0x0D  // r
        case 0x74: return 0x09  // t
        case 0x5C, 0x22, 0x5B, 0x5D, 0x2D, 0x5E, 0x27: return e  // \ " [ ] - ^ '
        case 0x78: return try hex(2)  // x
        case 0x75: return try hex(4)  // u
        case 0x55: return try hex(8)  // U
        default:
            throw error(
                "unknown escape '\\\(String(decoding: [UInt8(truncatingIfNeeded: e)], as: UTF8.self))'", at: i - 2)
        }
    }

    // MARK: - Syntax

    private mutating func primary(nested: Bool) throws -> Node {
        let start = i
        let c = current
        switch c {
        case 0x22:  // '"'
            i += 1
            var items: [Node] = []
            while true {
                guard !atEnd else { throw error("unterminated string literal", at: start) }
                if current == 0x22 {
                    i += 1
                    break
                }
                if current == 0x0A { throw error("newline in a string literal (write \\n)") }
                let ch = try char()
                items.append(.chars(CharClass(ranges: [ch...ch], negated: false)))
            }
            return .sequence(items)
        case 0x5B:  // '['
            i += 1
            var negated = false
            if current == 0x5E {
                negated = true
                i += 1
            }
            var ranges: [ClosedRange<UInt32>] = []
            while true {
                guard !atEnd else { throw error("unterminated character class", at: start) }
                if current == 0x5D {
                    i += 1
                    break
                }
                let lo = try char()
                if current == 0x2D && i + 1 < text.count && text[i + 1] != 0x5D {
                    i += 1
                    let hiPos = i
                    let hi = try char()
                    guard lo <= hi else {
                        throw error("empty range in a character class (end before start)", at: hiPos)
                    }
                    ranges.append(lo...hi)
                } else {
                    ranges.append(lo...lo)
                }
            }
            return .chars(CharClass(ranges: ranges, negated: negated))
        case 0x2E:  // '.'
            i += 1
            return .chars(.any)
        case 0x28:  // '('
            i += 1
            skipSpace(newlines: true)
            let body = try alternatives(nested: true)
            skipSpace(newlines: true)
            guard current == 0x29 else { throw error("expected ')' to close the group opened at \(posText(start))") }
            i += 1
            return body
        case 0x3C, 0x21:  // '<' '!'
            throw error("token references (<[id]>, <text>, !<…>) are not supported")
        default:
            guard Self.isNameChar(c) else {
                throw error("unexpected character '\(Self.charText(c))'")
            }
            return .ref(try name(), start)
        }
    }

    private func posText(_ pos: Int) -> String {
        let (l, c) = lineColumn(pos)
        return "line \(l), column \(c)"
    }

    private mutating func number() throws -> Int {
        let start = i
        var v = 0
        while !atEnd && current >= 0x30 && current <= 0x39 {
            v = v * 10 + Int(current - 0x30)
            guard v <= Self.maxRepetition else { throw error("repetition count over \(Self.maxRepetition)", at: start) }
            i += 1
        }
        guard i > start else { throw error("expected a number") }
        return v
    }

    private mutating func sequence(nested: Bool) throws -> Node {
        var items: [Node] = []
        while !atEnd {
            let c = current
            if c == 0x7C || c == 0x29 || c == 0x0A || c == 0x0D { break }  // | ) newline
            var item = try primary(nested: nested)
            skipSpace(newlines: nested)
            while !atEnd {
                let p = current
                if p == 0x2A {
                    item = .repetition(item, min: 0, max: nil)
                } else if p == 0x2B {
                    item = .repetition(item, min: 1, max: nil)
                } else if p == 0x3F {
                    item = .repetition(item, min: 0, max: 1)
                } else if p == 0x7B {
                    let open = i
                    i += 1
                    skipSpace(newlines: nested)
                    let m = try number()
                    skipSpace(newlines: nested)
                    var n: Int? = m
                    if current == 0x2C {
                        i += 1
                        skipSpace(newlines: nested)
                        n = current == 0x7D ? nil : try number()
                        skipSpace(newlines: nested)
                    }
                    guard current == 0x7D else { throw error("expected '}' to close the repetition") }
                    if let n, n < m {
                        throw error("repetition {\(m),\(n)}: the maximum is below the minimum", at: open)
                    }
                    item = .repetition(item, min: m, max: n)
                } else {
                    break
                }
                i += 1
                skipSpace(newlines: nested)
            }
            items.append(item)
        }
        return .sequence(items)
    }

    private mutating func alternatives(nested: Bool) throws -> Node {
        var alts = [try sequence(nested: nested)]
        while current == 0x7C && !atEnd {
            i += 1
            skipSpace(newlines: true)
            alts.append(try sequence(nested: nested))
        }
        return .alternatives(alts)
    }

    // MARK: - Lowering to the flat form

    private struct Lowering {
        var ids: [String: Int] = [:]
        var names: [String] = []
        var origin: [Int] = []  // the user rule a generated rule comes from
        var bodies: [[[GrammarElement]]] = []
        var classes: [CharClass] = []
        var classIds: [CharClass: Int32] = [:]
        var elementCount = 0
        var counter: [Int: Int] = [:]

        mutating func newRule(_ name: String, origin o: Int) -> Int {
            let id = names.count
            names.append(name)
            origin.append(o)
            bodies.append([])
            ids[name] = id
            return id
        }

        mutating func generated(from owner: Int, body: [[GrammarElement]]) throws -> Int {
            let user = origin[owner]
            var n = counter[user, default: 0] + 1
            var name = "\(names[user])_\(n)"
            while ids[name] != nil {
                n += 1
                name = "\(names[user])_\(n)"
            }
            counter[user] = n
            let id = newRule(name, origin: user)
            try setBody(id, body)
            return id
        }

        mutating func setBody(_ id: Int, _ body: [[GrammarElement]]) throws {
            bodies[id] = body
            elementCount += body.reduce(0) { $0 + $1.count + 1 }
            guard elementCount <= GBNFParser.maxElements else {
                throw LlamaError(
                    .invalidArgument,
                    "grammar: too large once repetitions are expanded (over \(GBNFParser.maxElements) elements)")
            }
        }

        mutating func classId(_ c: CharClass) -> Int32 {
            if let k = classIds[c] { return k }
            let k = Int32(classes.count)
            classes.append(c)
            classIds[c] = k
            return k
        }
    }

    private func alternativesOf(_ node: Node, owner: Int, _ low: inout Lowering) throws -> [[GrammarElement]] {
        if case .alternatives(let alts) = node {
            return try alts.map { try elements($0, owner: owner, &low) }
        }
        return [try elements(node, owner: owner, &low)]
    }

    /// The elements a node contributes to a sequence.
    private func elements(_ node: Node, owner: Int, _ low: inout Lowering) throws -> [GrammarElement] {
        switch node {
        case .chars(let c):
            return [GrammarElement(kind: .char, value: low.classId(c))]
        case .ref(let name, let pos):
            guard let id = low.ids[name] else { throw error("undefined rule '\(name)'", at: pos) }
            return [GrammarElement(kind: .rule, value: Int32(id))]
        case .sequence(let items):
            var out: [GrammarElement] = []
            for it in items { out += try elements(it, owner: owner, &low) }
            return out
        case .alternatives(let alts):
            if alts.count == 1 { return try elements(alts[0], owner: owner, &low) }
            let body = try alternativesOf(node, owner: owner, &low)
            return [GrammarElement(kind: .rule, value: Int32(try low.generated(from: owner, body: body)))]
        case .repetition(let inner, let m, let n):
            var x = try elements(inner, owner: owner, &low)
            if x.count != 1 {
                x = [GrammarElement(kind: .rule, value: Int32(try low.generated(from: owner, body: [x])))]
            }
            let one = x[0]
            guard m * (n ?? m + 1) <= GBNFParser.maxElements else {
                throw LlamaError(.invalidArgument, "grammar: too large once repetitions are expanded")
            }
            var out = [GrammarElement](repeating: one, count: m)
            if let n {
                // x{0,k} as nested optionals: O1 ::= x | ε, Oj ::= x O(j-1) | ε.
                var tail: Int? = nil
                for _ in 0..<(n - m) {
                    let body: [[GrammarElement]] =
                        tail.map { [[one, GrammarElement(kind: .rule, value: Int32($0))], []] } ?? [[one], []]
                    tail = try low.generated(from: owner, body: body)
                }
                if let tail { out.append(GrammarElement(kind: .rule, value: Int32(tail))) }
            } else {
                // x* as R ::= x R | ε (right recursion: the matcher's stacks stay flat).
                let r = try low.generated(from: owner, body: [])
                try low.setBody(r, [[one, GrammarElement(kind: .rule, value: Int32(r))], []])
                out.append(GrammarElement(kind: .rule, value: Int32(r)))
            }
            return out
        }
    }

    // MARK: - Entry

    mutating func parse(root: String) throws -> Grammar {
        try decode()
        var defs: [(name: String, body: Node, pos: Int)] = []
        var firstPos: [String: Int] = [:]
        skipSpace(newlines: true)
        while !atEnd {
            let pos = i
            let n = try name()
            if let first = firstPos[n] {
                throw error("rule '\(n)' is defined twice (first at \(posText(first)))", at: pos)
            }
            firstPos[n] = pos
            skipSpace(newlines: false)
            guard i + 3 <= text.count, text[i] == 0x3A, text[i + 1] == 0x3A, text[i + 2] == 0x3D
            else { throw error("expected '::=' after the rule name '\(n)'") }
            i += 3
            skipSpace(newlines: true)
            let body = try alternatives(nested: false)
            defs.append((n, body, pos))
            if !atEnd && current != 0x0A && current != 0x0D {
                throw error(current == 0x29 ? "unmatched ')'" : "unexpected character '\(Self.charText(current))'")
            }
            skipSpace(newlines: true)
        }
        guard !defs.isEmpty else { throw error("the grammar defines no rules") }
        var low = Lowering()
        for d in defs { _ = low.newRule(d.name, origin: low.names.count) }
        for (k, d) in defs.enumerated() {
            try low.setBody(k, try alternativesOf(d.body, owner: k, &low))
        }
        guard let rootId = low.ids[root] else {
            throw LlamaError(.invalidArgument, "grammar: no rule named '\(root)' (the start rule)")
        }
        try checkLeftRecursion(low, defs.map(\.pos))
        var elements: [GrammarElement] = []
        var alternatives: [[Int32]] = []
        for body in low.bodies {
            var starts: [Int32] = []
            for alt in body {
                starts.append(Int32(elements.count))
                elements += alt
                elements.append(GrammarElement(kind: .end, value: 0))
            }
            alternatives.append(starts)
        }
        return Grammar(
            elements: elements, alternatives: alternatives, classes: low.classes, ruleNames: low.names, root: rootId)
    }

    /// A rule is left-recursive when it can reach itself through references each preceded
    /// only by rules that can match nothing. The matcher would expand such a rule forever.
    private func checkLeftRecursion(_ low: Lowering, _ positions: [Int]) throws {
        let n = low.bodies.count
        var nullable = [Bool](repeating: false, count: n)
        var changed = true
        while changed {
            changed = false
            for r in 0..<n where !nullable[r] {
                if low.bodies[r].contains(where: { alt in alt.allSatisfy { $0.kind == .rule && nullable[Int($0.value)] }
                }) {
                    nullable[r] = true
                    changed = true
                }
            }
        }
        var edges = [[Int]](repeating: [], count: n)
        for r in 0..<n {
            for alt in low.bodies[r] {
                for e in alt {
                    guard e.kind == .rule else { break }
                    edges[r].append(Int(e.value))
                    if !nullable[Int(e.value)] { break }
                }
            }
        }
        // Iterative depth-first search for a cycle (0 new, 1 on the path, 2 done).
        var mark = [UInt8](repeating: 0, count: n)
        for start in 0..<n where mark[start] == 0 {
            var stack: [(Int, Int)] = [(start, 0)]
            mark[start] = 1
            while let (r, k) = stack.last {
                if k < edges[r].count {
                    stack[stack.count - 1].1 += 1
                    let s = edges[r][k]
                    if mark[s] == 1 {
                        let user = low.origin[s]
                        let how =
                            low.origin[s] == s
                            ? "" : " (through a repetition of something that can match nothing, or a group)"
                        throw error(
                            "rule '\(low.names[user])' is left-recursive: it can reach itself without consuming a character\(how)",
                            at: positions[user])
                    }
                    if mark[s] == 0 {
                        mark[s] = 1
                        stack.append((s, 0))
                    }
                } else {
                    mark[r] = 2
                    stack.removeLast()
                }
            }
        }
    }
}
