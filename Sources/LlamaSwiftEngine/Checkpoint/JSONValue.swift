/// A parsed JSON value (RFC 8259) of a checkpoint folder's `config.json`,
/// `tokenizer.json`, `tokenizer_config.json`, `generation_config.json`,
/// `model.safetensors.index.json` or a safetensors header.
///
/// Strings are kept as UTF-8 bytes (tokenizer vocabularies are byte strings, and the
/// engine compares bytes, not `String`s); objects keep their members in file order.
/// Integers without a fraction or exponent that fit in Int64 are `.integer`, every other
/// number `.number`.
public indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string([UInt8])
    case array([JSONValue])
    case object(JSONObject)

    public var object: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var bytes: [UInt8]? { if case .string(let s) = self { return s }; return nil }
    public var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }
    /// The value as an integer: `.integer`, or a `.number` that is a whole number in range.
    public var integer: Int64? {
        switch self {
        case .integer(let i): return i
        case .number(let d): return d.rounded() == d && abs(d) < 9.0e15 ? Int64(d) : nil
        default: return nil
        }
    }
    public var double: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    /// A short name of the value's kind for error messages.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a bool"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public subscript(key: String) -> JSONValue? { object?[key] }
}

/// A JSON object's members in file order, with lookup by key (the last of duplicate keys
/// wins, as in JavaScript and Python).
public struct JSONObject: Sendable {
    public private(set) var members: [(key: String, value: JSONValue)] = []
    private var index: [String: Int] = [:]

    init() {}

    mutating func append(_ key: String, _ value: JSONValue) {
        if let i = index[key] {
            members[i].value = value
        } else {
            index[key] = members.count
            members.append((key, value))
        }
    }

    public subscript(key: String) -> JSONValue? { index[key].map { members[$0].value } }
    public var count: Int { members.count }
}

/// The checkpoint reader: JSONReader building JSONValues, objects nested at most 64
/// deep, byte strings kept as they are; errors are FORMAT naming the input (`what`, e.g.
/// "'config.json'") and the byte offset.
enum JSONParser {
    static let maxDepth = 64

    static func parse(_ bytes: UnsafeRawBufferPointer, what: String) throws -> JSONValue {
        let rules = JSONReadingRules(maxDepth: maxDepth, strictStrings: false) { offset, reason in
            LlamaError.format("\(what): invalid JSON at byte \(offset): \(reason)")
        }
        return try JSONReader<JSONValue.Builder>.parse(bytes, rules: rules)
    }

    static func parse(_ bytes: [UInt8], what: String) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0, what: what) }
    }
}

extension JSONValue {
    /// Integers without a fraction or exponent that fit in Int64 are `.integer`; objects
    /// keep the last of duplicate keys, at the first one's place.
    enum Builder: JSONValueBuilder {
        static var null: JSONValue { .null }
        static func bool(_ b: Bool) -> JSONValue { .bool(b) }
        static func number(_ text: String, isInteger: Bool) -> JSONValue? {
            if isInteger, let v = Int64(text) { return .integer(v) }
            guard let d = Double(text), d.isFinite else { return nil }
            return .number(d)
        }
        static func string(_ bytes: [UInt8]) -> JSONValue { .string(bytes) }
        static func array(_ items: [JSONValue]) -> JSONValue { .array(items) }
        static func object(_ members: [(String, JSONValue)]) -> JSONValue {
            var o = JSONObject()
            for (k, v) in members { o.append(k, v) }
            return .object(o)
        }
    }
}
