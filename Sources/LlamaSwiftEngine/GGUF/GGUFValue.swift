/// One metadata value of a GGUF file. Arrays of one element type are kept typed, so that
/// a 150,000-entry vocabulary is one Swift array, not 150,000 enum boxes.
public enum GGUFValue: Sendable {
    case uint(UInt64, bits: Int)
    case int(Int64, bits: Int)
    case float(Double, bits: Int)
    case bool(Bool)
    case string([UInt8])
    case array(GGUFArray)

    /// The value as an integer when it is one (any width, any signedness).
    public var integer: Int64? {
        switch self {
        case .uint(let v, _): return v <= UInt64(Int64.max) ? Int64(v) : nil
        case .int(let v, _): return v
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .float(let v, _): return v
        case .uint, .int: return integer.map(Double.init)
        default: return nil
        }
    }

    public var bool: Bool? {
        switch self {
        case .bool(let b): return b
        case .uint, .int: return integer.map { $0 != 0 }
        default: return nil
        }
    }

    /// The value as text when it is a string (invalid UTF-8 repaired with U+FFFD).
    public var string: String? {
        if case .string(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    public var stringArray: [[UInt8]]? {
        if case .array(.strings(let s)) = self { return s }
        return nil
    }

    /// Human-readable rendering (used by `llamaswift_model_meta_string` and `info`):
    /// numbers and strings in full, arrays summarised by type, length and first items.
    public var rendered: String {
        switch self {
        case .uint(let v, _): return String(v)
        case .int(let v, _): return String(v)
        case .float(let v, let bits): return bits == 32 ? String(Float(v)) : String(v)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return String(decoding: s, as: UTF8.self)
        case .array(let a): return a.summary
        }
    }
}

public enum GGUFArray: Sendable {
    case integers([Int64], typeName: String)
    case floats([Double], typeName: String)
    case bools([Bool])
    case strings([[UInt8]])
    case arrays([GGUFArray])

    public var count: Int {
        switch self {
        case .integers(let a, _): return a.count
        case .floats(let a, _): return a.count
        case .bools(let a): return a.count
        case .strings(let a): return a.count
        case .arrays(let a): return a.count
        }
    }

    var summary: String {
        let shown = 8
        var items: [String]
        let type: String
        switch self {
        case .integers(let a, let t): type = t; items = a.prefix(shown).map { String($0) }
        case .floats(let a, let t): type = t; items = a.prefix(shown).map { String($0) }
        case .bools(let a): type = "bool"; items = a.prefix(shown).map { $0 ? "true" : "false" }
        case .strings(let a):
            type = "string"
            items = a.prefix(shown).map { "\"" + String(decoding: $0.prefix(40), as: UTF8.self) + "\"" }
        case .arrays(let a): type = "array"; items = a.prefix(shown).map { $0.summary }
        }
        if count > shown { items.append("…") }
        return "[\(type) × \(count)] [" + items.joined(separator: ", ") + "]"
    }
}
