/// The GBNF rules the JSON Schema converter builds on, and the built-in "any JSON"
/// grammars. Our own rules, written from RFC 8259 (JSON) and RFC 3339 / RFC 4122 (the
/// string formats), with llama.cpp's practical limits: whitespace between tokens is at
/// most one newline and 20 blanks (a model cannot run away in whitespace), and integer
/// parts have at most 16 digits.
enum JSONGrammarPrimitives {
    /// Each primitive's rule body and the primitives it uses.
    static let rules: [String: (body: String, uses: [String])] = [
        "space": (#"| " " | "\n" [ \t]{0,20}"#, []),
        "boolean": (#"("true" | "false") space"#, ["space"]),
        "null": (#""null" space"#, ["space"]),
        "char": (#"[^"\\\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})"#, []),
        "string": (#""\"" char* "\"" space"#, ["char", "space"]),
        "integral-part": (#"[0] | [1-9] [0-9]{0,15}"#, []),
        "integer": (#"("-"? integral-part) space"#, ["integral-part", "space"]),
        "decimal-part": (#"[0-9]{1,16}"#, []),
        "number": (
            #"("-"? integral-part) ("." decimal-part)? ([eE] [-+]? integral-part)? space"#,
            ["integral-part", "decimal-part", "space"]
        ),
        "value": (
            #"object | array | string | number | boolean | null"#,
            ["object", "array", "string", "number", "boolean", "null"]
        ),
        "object": (
            #""{" space ( string ":" space value ("," space string ":" space value)* )? "}" space"#,
            ["string", "space", "value"]
        ),
        "array": (#""[" space ( value ("," space value)* )? "]" space"#, ["value", "space"]),
        "date": (#"[0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [12] [0-9] | "3" [01] )"#, []),
        "time": (
            #"( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" ( [0-5] [0-9] | "60" ) ( "." [0-9]{1,9} )? ( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )"#,
            []
        ),
        "date-time": (#"date "T" time"#, ["date", "time"]),
        "uuid": (#"[0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12}"#, []),
        "date-string": (#""\"" date "\"" space"#, ["date", "space"]),
        "time-string": (#""\"" time "\"" space"#, ["time", "space"]),
        "date-time-string": (#""\"" date-time "\"" space"#, ["date-time", "space"]),
        "uuid-string": (#""\"" uuid "\"" space"#, ["uuid", "space"]),
    ]

    /// `name` and every primitive it needs, in a stable order.
    static func closure(_ names: [String]) -> [String] {
        var out: [String] = []
        var seen: Set<String> = []
        func add(_ n: String) {
            guard !seen.contains(n), let r = rules[n] else { return }
            seen.insert(n)
            out.append(n)
            for u in r.uses { add(u) }
        }
        for n in names { add(n) }
        return out
    }

    /// A grammar whose root is `rootBody` over the given primitives.
    static func grammar(root rootBody: String, using names: [String]) -> String {
        var text = "root ::= \(rootBody)\n"
        for n in closure(names) { text += "\(n) ::= \(rules[n]!.body)\n" }
        return text
    }

    /// Any JSON value (llama.cpp's json.gbnf's language, our rules).
    static let anyValue = grammar(root: "value", using: ["value"])
    /// Any JSON object (what llama.cpp's `--json-schema '{}'`-style "JSON mode" asks for).
    static let anyObject = grammar(root: "object", using: ["object"])
}

/// Writes text as a GBNF string literal (with the quotes).
func gbnfLiteral(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 || u.value == 0x7F {
                let h = String(u.value, radix: 16)
                out += "\\x" + (h.count < 2 ? "0" : "") + h
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
