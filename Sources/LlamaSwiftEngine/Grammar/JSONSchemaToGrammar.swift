/// JSON Schema → GBNF: a grammar whose sentences are JSON texts valid against the schema
/// (for the keywords listed below), written for `Grammar(gbnf:)`. Our own converter; the
/// supported subset follows llama.cpp's json-schema-to-grammar so schemas that work there
/// work here.
///
/// Supported: `type` (a name or an array of names), `properties`, `required`,
/// `additionalProperties` (false, true or a schema; absent with `properties` = no other
/// properties, as llama.cpp), `items`, `prefixItems`, `minItems`, `maxItems`, `enum`,
/// `const`, `pattern` (a regular-expression subset: literals, escapes, classes, `.`,
/// groups, `|`, `* + ? {m,n}`, anchors `^ $`), `minLength`, `maxLength`, `format`
/// (`date`, `time`, `date-time`, `uuid`), `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum` (integers; for numbers only `minimum: 0`), `anyOf`, `oneOf` (as
/// anyOf: exclusivity is not enforced), `allOf` (of object schemas, merged; or a single
/// schema), `$ref` (`#`, `#/$defs/…`, `#/definitions/…`), `$defs`, `definitions`.
/// Ignored (annotations): `$schema`, `$id`, `$comment`, `title`, `description`,
/// `examples`, `default`, `deprecated`, `readOnly`, `writeOnly`.
/// Anything else is an error naming the keyword and where it is (`unsupportedKeywords`
/// lists the common ones), so a constraint is never silently dropped.
///
/// Objects write their properties in the schema's order; optional ones may be left out.
/// Values are followed by optional whitespace (at most a newline and 20 blanks).
public enum JSONSchemaToGrammar {
    /// The grammar for any JSON value.
    public static var anyValueGrammar: String { JSONGrammarPrimitives.anyValue }
    /// The grammar for any JSON object ("JSON mode").
    public static var anyObjectGrammar: String { JSONGrammarPrimitives.anyObject }

    /// Common JSON Schema keywords this converter refuses (an error names them).
    public static let unsupportedKeywords = [
        "not", "if", "then", "else", "dependentRequired", "dependentSchemas", "patternProperties",
        "propertyNames", "minProperties", "maxProperties", "uniqueItems", "contains", "minContains",
        "maxContains", "multipleOf", "unevaluatedProperties", "unevaluatedItems", "contentEncoding",
        "contentMediaType", "$anchor", "$dynamicRef",
    ]

    /// Converts schema text (JSON). Throws `.invalidArgument` for bad JSON or a bad schema,
    /// `.unsupported` for a keyword or combination not supported (the message names it).
    public static func convert(_ schemaText: [UInt8]) throws -> String {
        try convert(SchemaJSON.parse(schemaText))
    }

    public static func convert(_ schema: SchemaJSON) throws -> String {
        var c = SchemaConverter(root: schema)
        let body = try c.visit(schema, name: "root", path: "#")
        return c.render(rootBody: body)
    }
}

struct SchemaConverter {
    let root: SchemaJSON
    private var rules: [(name: String, body: String)] = []
    private var bodies: [String: String] = [:]
    private var primitives: [String] = []
    private var refRules: [String: String] = [:]
    private var depth = 0

    init(root: SchemaJSON) { self.root = root }

    static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "examples", "default", "deprecated", "readOnly",
        "writeOnly",
    ]
    static let structural: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems",
        "enum", "const", "pattern", "minLength", "maxLength", "format", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "anyOf", "oneOf", "allOf", "$ref", "$defs", "definitions",
    ]

    func render(rootBody: String) -> String {
        var text = "root ::= \(rootBody)\n"
        for r in rules where r.name != "root" { text += "\(r.name) ::= \(r.body)\n" }
        for n in JSONGrammarPrimitives.closure(primitives) {
            text += "\(n) ::= \(JSONGrammarPrimitives.rules[n]!.body)\n"
        }
        return text
    }

    private mutating func use(_ primitive: String) -> String {
        if !primitives.contains(primitive) { primitives.append(primitive) }
        return primitive
    }

    /// Adds a rule (a name made safe for GBNF and unique) and returns its name.
    private mutating func addRule(_ wanted: String, _ body: String) -> String {
        var base = String(
            wanted.unicodeScalars.map { u -> Character in
                let c = Character(u)
                return (u.value < 128 && (c.isLetter || c.isNumber)) || c == "-" ? c : "-"
            })
        if base.isEmpty || JSONGrammarPrimitives.rules[base] != nil || base == "root" && !bodies.isEmpty {
            base = "r-" + base
        }
        var name = base
        var k = 1
        while let existing = bodies[name] {
            if existing == body { return name }
            k += 1
            name = "\(base)-\(k)"
        }
        bodies[name] = body
        rules.append((name, body))
        return name
    }

    private func fail(_ path: String, _ m: String) -> LlamaError {
        LlamaError(.invalidArgument, "JSON schema at \(path): \(m)")
    }
    private func unsupported(_ path: String, _ m: String) -> LlamaError {
        LlamaError(.unsupported, "JSON schema at \(path): \(m)")
    }

    /// A GBNF expression for the values `schema` accepts (each followed by `space`).
    mutating func visit(_ schema: SchemaJSON, name: String, path: String) throws -> String {
        depth += 1
        defer { depth -= 1 }
        guard depth < 128 else { throw fail(path, "schema nested deeper than 128 levels") }
        switch schema {
        case .bool(true): return use("value")
        case .bool(false): throw unsupported(path, "the schema `false` (no value is valid)")
        case .object(let members):
            for (k, _) in members where !Self.annotations.contains(k) && !Self.structural.contains(k) {
                throw unsupported(path, "keyword '\(k)' is not supported")
            }
        default: throw fail(path, "a schema must be an object or a boolean")
        }
        if let ref = schema["$ref"] { return try reference(ref, schema: schema, path: path) }
        if let c = schema["const"] { return try literal(c) }
        if let e = schema["enum"] {
            guard case .array(let values) = e, !values.isEmpty else {
                throw fail(path, "enum must be a non-empty array")
            }
            return "(" + (try values.map { try literal($0) }).joined(separator: " | ") + ")"
        }
        for key in ["anyOf", "oneOf"] {
            if let alts = schema[key] {
                guard case .array(let list) = alts, !list.isEmpty else {
                    throw fail(path, "\(key) must be a non-empty array")
                }
                var parts: [String] = []
                for (k, s) in list.enumerated() {
                    let body = try visit(
                        merged(s, into: schema, dropping: key), name: "\(name)-\(k)", path: "\(path)/\(key)/\(k)")
                    parts.append(addRule("\(name)-\(k)", body))
                }
                return "(" + parts.joined(separator: " | ") + ")"
            }
        }
        if let all = schema["allOf"] {
            return try visit(try mergeAllOf(all, schema: schema, path: path), name: name, path: path)
        }
        switch schema["type"] {
        case .string(let t)?:
            return try typed(t, schema, name: name, path: path)
        case .array(let types)?:
            guard !types.isEmpty else { throw fail(path, "type must not be an empty array") }
            var parts: [String] = []
            for t in types {
                guard case .string(let tn) = t else { throw fail(path, "type names must be strings") }
                parts.append(addRule("\(name)-\(tn)", try typed(tn, schema, name: "\(name)-\(tn)", path: path)))
            }
            return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " | ") + ")"
        case nil:
            if schema["properties"] != nil || schema["additionalProperties"] != nil || schema["required"] != nil {
                return try typed("object", schema, name: name, path: path)
            }
            if schema["items"] != nil || schema["prefixItems"] != nil || schema["minItems"] != nil
                || schema["maxItems"] != nil
            {
                return try typed("array", schema, name: name, path: path)
            }
            if schema["pattern"] != nil || schema["format"] != nil || schema["minLength"] != nil
                || schema["maxLength"] != nil
            {
                return try typed("string", schema, name: name, path: path)
            }
            if schema["minimum"] != nil || schema["maximum"] != nil || schema["exclusiveMinimum"] != nil
                || schema["exclusiveMaximum"] != nil
            {
                return try typed("number", schema, name: name, path: path)
            }
            return use("value")
        default:
            throw fail(path, "type must be a string or an array of strings")
        }
    }

    /// `base` with the members of `sub` (an anyOf/oneOf branch) laid over it, without `dropping`.
    private func merged(_ sub: SchemaJSON, into base: SchemaJSON, dropping: String) -> SchemaJSON {
        guard case .object(let b) = base, case .object(let s) = sub else { return sub }
        var out = b.filter {
            $0.0 != dropping && !Self.annotations.contains($0.0) && $0.0 != "$defs" && $0.0 != "definitions"
        }
        for (k, v) in s {
            out.removeAll { $0.0 == k }
            out.append((k, v))
        }
        return .object(out)
    }

    private func mergeAllOf(_ all: SchemaJSON, schema: SchemaJSON, path: String) throws -> SchemaJSON {
        guard case .array(var list) = all, !list.isEmpty else { throw fail(path, "allOf must be a non-empty array") }
        guard case .object(let outer) = schema else { throw fail(path, "bad schema") }
        let rest = outer.filter {
            $0.0 != "allOf" && !Self.annotations.contains($0.0) && $0.0 != "$defs" && $0.0 != "definitions"
        }
        if !rest.isEmpty { list.append(.object(rest)) }
        // Resolve references, then merge objects' properties and required lists.
        var props: [(String, SchemaJSON)] = []
        var required: [SchemaJSON] = []
        var others: [(String, SchemaJSON)] = []
        for (k, var s) in list.enumerated() {
            var hops = 0
            while case .string(let r)? = s["$ref"] {
                s = try resolve(r, path: "\(path)/allOf/\(k)")
                hops += 1
                guard hops < 32 else { throw fail(path, "$ref chain too long") }
            }
            guard case .object(let members) = s else { throw fail("\(path)/allOf/\(k)", "a schema must be an object") }
            for (key, v) in members where !Self.annotations.contains(key) {
                switch key {
                case "properties":
                    guard case .object(let p) = v else { throw fail(path, "properties must be an object") }
                    for (pk, pv) in p {
                        if props.contains(where: { $0.0 == pk }) {
                            throw unsupported(path, "allOf: property '\(pk)' defined in two branches")
                        }
                        props.append((pk, pv))
                    }
                case "required":
                    guard case .array(let r) = v else { throw fail(path, "required must be an array") }
                    required += r
                case "type":
                    guard v == .string("object") else {
                        if list.count == 1 { others.append((key, v)); continue }
                        throw unsupported(path, "allOf is supported only for object schemas (or a single schema)")
                    }
                    others.removeAll { $0.0 == "type" }
                    others.append((key, v))
                default:
                    if list.count == 1 {
                        others.append((key, v))
                    } else if key != "$defs" && key != "definitions" {
                        guard key == "additionalProperties" else {
                            throw unsupported(
                                path,
                                "allOf: keyword '\(key)' in a branch is not supported (only properties, required, type object)"
                            )
                        }
                        others.append((key, v))
                    }
                }
            }
        }
        var out = others
        if !props.isEmpty { out.append(("properties", .object(props))) }
        if !required.isEmpty { out.append(("required", .array(required))) }
        return .object(out)
    }

    private func resolve(_ ref: String, path: String) throws -> SchemaJSON {
        guard ref.hasPrefix("#") else {
            throw unsupported(path, "$ref '\(ref)': only references inside the document (#/…)")
        }
        var node = root
        let pointer = ref.dropFirst()
        guard pointer.isEmpty || pointer.hasPrefix("/") else {
            throw unsupported(path, "$ref '\(ref)': anchors are not supported")
        }
        for raw in pointer.split(separator: "/", omittingEmptySubsequences: true) {
            let key = String(raw).replacingAll("~1", "/").replacingAll("~0", "~")
            switch node {
            case .object:
                guard let next = node[key] else { throw fail(path, "$ref '\(ref)' does not resolve") }
                node = next
            case .array(let a):
                guard let k = Int(key), k >= 0, k < a.count else { throw fail(path, "$ref '\(ref)' does not resolve") }
                node = a[k]
            default: throw fail(path, "$ref '\(ref)' does not resolve")
            }
        }
        return node
    }

    private mutating func reference(_ ref: SchemaJSON, schema: SchemaJSON, path: String) throws -> String {
        guard case .string(let r) = ref else { throw fail(path, "$ref must be a string") }
        if case .object(let m) = schema,
            let other = m.first(where: {
                $0.0 != "$ref" && !Self.annotations.contains($0.0) && $0.0 != "$defs" && $0.0 != "definitions"
            })
        {
            throw unsupported(path, "keyword '\(other.0)' beside $ref is not supported")
        }
        if let name = refRules[r] { return name }
        let target = try resolve(r, path: path)
        let wanted = r == "#" ? "root-ref" : String(r.split(separator: "/").last ?? "ref")
        // Reserve the name first: the target may refer to itself (recursive schemas).
        let name = addRule("ref-" + wanted, "# pending \(r)")
        refRules[r] = name
        let body = try visit(target, name: name, path: r)
        bodies[name] = body
        if let k = rules.firstIndex(where: { $0.name == name }) { rules[k].body = body }
        return name
    }

    private mutating func literal(_ v: SchemaJSON) throws -> String {
        gbnfLiteral(v.serialized) + " " + use("space")
    }

    private func integerValue(_ v: SchemaJSON?, _ key: String, path: String) throws -> Double? {
        guard let v else { return nil }
        guard case .number(_, let d) = v else { throw fail(path, "\(key) must be a number") }
        return d
    }

    private mutating func typed(_ type: String, _ s: SchemaJSON, name: String, path: String) throws -> String {
        switch type {
        case "null": return use("null")
        case "boolean": return use("boolean")
        case "string": return try string(s, name: name, path: path)
        case "integer": return try integer(s, name: name, path: path)
        case "number":
            let minimum = try integerValue(s["minimum"], "minimum", path: path)
            if s["maximum"] != nil || s["exclusiveMinimum"] != nil || s["exclusiveMaximum"] != nil
                || (minimum != nil && minimum != 0)
            {
                throw unsupported(
                    path, "minimum/maximum on a number (supported for integers; for numbers only minimum 0)")
            }
            if minimum == 0 {
                let ip = use("integral-part"), dp = use("decimal-part"), sp = use("space")
                return addRule(name + "-nonneg", "\(ip) (\".\" \(dp))? ([eE] [-+]? \(ip))? \(sp)")
            }
            return use("number")
        case "array": return try array(s, name: name, path: path)
        case "object": return try object(s, name: name, path: path)
        default: throw fail(path, "unknown type '\(type)'")
        }
    }

    private func count(_ s: SchemaJSON, _ key: String, path: String) throws -> Int? {
        guard let v = s[key] else { return nil }
        guard case .number(_, let d) = v, d >= 0, d == d.rounded(), d <= 100_000 else {
            throw fail(path, "\(key) must be a non-negative integer (at most 100000)")
        }
        return Int(d)
    }

    private mutating func string(_ s: SchemaJSON, name: String, path: String) throws -> String {
        if let f = s["format"] {
            guard case .string(let fs) = f else { throw fail(path, "format must be a string") }
            guard ["date", "time", "date-time", "uuid"].contains(fs) else {
                throw unsupported(path, "string format '\(fs)' is not supported (date, time, date-time, uuid are)")
            }
            guard s["pattern"] == nil, s["minLength"] == nil, s["maxLength"] == nil else {
                throw unsupported(path, "format with pattern, minLength or maxLength")
            }
            return use(fs + "-string")
        }
        if let p = s["pattern"] {
            guard case .string(let ps) = p else { throw fail(path, "pattern must be a string") }
            guard s["minLength"] == nil, s["maxLength"] == nil else {
                throw unsupported(path, "pattern with minLength or maxLength")
            }
            let body = try RegexToGBNF.convert(ps, char: use("char"), path: path)
            return addRule(name + "-pattern", "\"\\\"\" " + body + " \"\\\"\" " + use("space"))
        }
        let lo = try count(s, "minLength", path: path) ?? 0
        let hi = try count(s, "maxLength", path: path)
        if lo == 0 && hi == nil { return use("string") }
        if let hi, hi < lo { throw fail(path, "maxLength is below minLength") }
        let rep = hi.map { "{\(lo),\($0)}" } ?? "{\(lo),}"
        return addRule(name + "-string", "\"\\\"\" " + use("char") + rep + " \"\\\"\" " + use("space"))
    }

    private mutating func integer(_ s: SchemaJSON, name: String, path: String) throws -> String {
        func bound(_ key: String) throws -> Double? {
            guard let d = try integerValue(s[key], key, path: path) else { return nil }
            guard abs(d) <= 9_007_199_254_740_992 else { throw unsupported(path, "\(key) beyond ±2^53") }
            return d
        }
        var lo: Int64? = nil, hi: Int64? = nil
        if let m = try bound("minimum") { lo = Int64(m.rounded(.up)) }
        if let m = try bound("exclusiveMinimum") {
            let v = Int64(m.rounded(.down)) + 1
            lo = max(lo ?? v, v)
        }
        if let m = try bound("maximum") { hi = Int64(m.rounded(.down)) }
        if let m = try bound("exclusiveMaximum") {
            let v = Int64(m.rounded(.up)) - 1
            hi = min(hi ?? v, v)
        }
        if lo == nil && hi == nil { return use("integer") }
        if let lo, let hi, lo > hi { throw fail(path, "no integer lies between the minimum and the maximum") }
        let body = IntegerRange.gbnf(min: lo, max: hi)
        return addRule(name + "-int", "(" + body + ") " + use("space"))
    }

    private mutating func array(_ s: SchemaJSON, name: String, path: String) throws -> String {
        let space = use("space")
        let lo = try count(s, "minItems", path: path) ?? 0
        let hi = try count(s, "maxItems", path: path)
        if let hi, hi < lo { throw fail(path, "maxItems is below minItems") }
        if let prefix = s["prefixItems"] {
            guard case .array(let list) = prefix else { throw fail(path, "prefixItems must be an array") }
            guard s["minItems"] == nil, s["maxItems"] == nil else {
                throw unsupported(path, "prefixItems with minItems or maxItems")
            }
            var parts: [String] = []
            for (k, item) in list.enumerated() {
                parts.append(
                    addRule("\(name)-\(k)", try visit(item, name: "\(name)-\(k)", path: "\(path)/prefixItems/\(k)")))
            }
            var extra = ""
            if let items = s["items"], items != .bool(false) {
                let item = addRule("\(name)-item", try visit(items, name: "\(name)-item", path: "\(path)/items"))
                extra = parts.isEmpty ? "( \(item) (\",\" \(space) \(item))* )?" : "(\",\" \(space) \(item))*"
            }
            let body = parts.joined(separator: " \",\" \(space) ")
            return "\"[\" \(space) \(body) \(extra) \"]\" \(space)"
        }
        let itemSchema = s["items"] ?? .bool(true)
        if itemSchema == .bool(false) {
            guard lo == 0 else { throw fail(path, "items false with minItems > 0") }
            return "\"[\" \(space) \"]\" \(space)"
        }
        let item = addRule("\(name)-item", try visit(itemSchema, name: "\(name)-item", path: "\(path)/items"))
        let more = "(\",\" \(space) \(item))"
        let list: String
        switch (lo, hi) {
        case (0, nil): list = "( \(item) \(more)* )?"
        case (0, let h?): list = h == 0 ? "" : "( \(item) \(more){0,\(h - 1)} )?"
        case (let l, nil): list = "\(item) \(more){\(l - 1),}"
        case (let l, let h?): list = "\(item) \(more){\(l - 1),\(h - 1)}"
        }
        return "\"[\" \(space) \(list) \"]\" \(space)"
    }

    private mutating func object(_ s: SchemaJSON, name: String, path: String) throws -> String {
        let space = use("space")
        var props: [(String, SchemaJSON)] = []
        if let p = s["properties"] {
            guard case .object(let m) = p else { throw fail(path, "properties must be an object") }
            props = m
        }
        var required: Set<String> = []
        if let r = s["required"] {
            guard case .array(let list) = r else { throw fail(path, "required must be an array") }
            for v in list {
                guard case .string(let k) = v else { throw fail(path, "required must list strings") }
                required.insert(k)
                if !props.contains(where: { $0.0 == k }) { props.append((k, .bool(true))) }
            }
        }
        let additional =
            s["additionalProperties"] ?? (s["properties"] == nil && s["required"] == nil ? .bool(true) : .bool(false))
        // Each member as `"key" space ":" space value`.
        var members: [(rule: String, required: Bool)] = []
        for (k, v) in props {
            let valueRule = addRule("\(name)-\(k)", try visit(v, name: "\(name)-\(k)", path: "\(path)/properties/\(k)"))
            members.append(
                (
                    addRule("\(name)-\(k)-kv", "\(gbnfLiteral(jsonQuoted(k))) \(space) \":\" \(space) \(valueRule)"),
                    required.contains(k)
                ))
        }
        var extraKV: String? = nil
        if additional != .bool(false) {
            let valueRule =
                additional == .bool(true)
                ? use("value")
                : addRule(
                    "\(name)-additional",
                    try visit(additional, name: "\(name)-additional", path: "\(path)/additionalProperties"))
            extraKV = addRule("\(name)-additional-kv", "\(use("string")) \":\" \(space) \(valueRule)")
        }
        // rest(k, first): the members from k on; `first` = nothing written yet (no comma).
        func restName(_ k: Int, _ first: Bool) -> String { "\(name)-rest-\(k)\(first ? "-first" : "")" }
        var cache: [String: String] = [:]
        func rest(_ k: Int, _ first: Bool) -> String {
            let key = restName(k, first)
            if let r = cache[key] { return r }
            let sep = first ? "" : "\",\" \(space) "
            var body: String
            if k == members.count {
                if let extraKV {
                    let tail = "(\",\" \(space) \(extraKV))*"
                    body = first ? "( \(extraKV) \(tail) )?" : tail
                } else {
                    body = ""
                }
            } else {
                let m = members[k]
                let take = "\(sep)\(m.rule) \(rest(k + 1, false))"
                body = m.required ? take : "\(take) | \(rest(k + 1, first))"
            }
            let r = body.isEmpty ? "\"\"" : addRule(key, body)
            cache[key] = r
            return r
        }
        let inner = rest(0, true)
        return "\"{\" \(space) \(inner) \"}\" \(space)"
    }
}

extension String {
    /// Every occurrence of `a` replaced by `b` (no Foundation in the library).
    func replacingAll(_ a: String, _ b: String) -> String {
        let h = Array(unicodeScalars), n = Array(a.unicodeScalars)
        guard !n.isEmpty else { return self }
        var out = String.UnicodeScalarView()
        var k = 0
        while k < h.count {
            if k + n.count <= h.count && Array(h[k..<k + n.count]) == n {
                out.append(contentsOf: b.unicodeScalars)
                k += n.count
            } else {
                out.append(h[k])
                k += 1
            }
        }
        return String(out)
    }
}
