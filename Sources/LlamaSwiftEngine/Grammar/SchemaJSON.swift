/// A JSON value (RFC 8259) as the schema converter reads it, from the engine's one JSON
/// reader (`JSONReader`). Objects keep their keys in document order, duplicates included
/// (a schema's `properties` order is the order the grammar writes them); numbers keep
/// their text (a `const` or `enum` value is written as the schema wrote it); strings are
/// Swift strings.
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
        let rules = JSONReadingRules(maxDepth: 512, strictStrings: true) { offset, reason in
            LlamaError(.invalidArgument, "JSON: \(reason) at byte \(offset)")
        }
        return try bytes.withUnsafeBytes { try JSONReader<Builder>.parse($0, rules: rules) }
    }

    /// Compact JSON text of the value (strings escaped as JSON requires).
    public var serialized: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let text, _): return text
        case .string(let s): return jsonQuoted(s)
        case .array(let a): return "[" + a.map(\.serialized).joined(separator: ",") + "]"
        case .object(let m):
            return "{" + m.map { jsonQuoted($0.0) + ":" + $0.1.serialized }.joined(separator: ",") + "}"
        }
    }
}

extension SchemaJSON {
    enum Builder: JSONValueBuilder {
        static var null: SchemaJSON { .null }
        static func bool(_ b: Bool) -> SchemaJSON { .bool(b) }
        static func number(_ text: String, isInteger: Bool) -> SchemaJSON? {
            guard let v = Double(text), v.isFinite else { return nil }
            return .number(text, v)
        }
        /// The reader checked the bytes are UTF-8 (strictStrings).
        static func string(_ bytes: [UInt8]) -> SchemaJSON { .string(String(decoding: bytes, as: UTF8.self)) }
        static func array(_ items: [SchemaJSON]) -> SchemaJSON { .array(items) }
        static func object(_ members: [(String, SchemaJSON)]) -> SchemaJSON { .object(members) }
    }
}
