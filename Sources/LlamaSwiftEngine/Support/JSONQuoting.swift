/// `s` as a JSON string literal, with its quotes (RFC 8259 §7): `"` and `\` escaped,
/// \n \r \t by name, the other control characters below U+0020 as \u00XX, everything
/// else as itself. Used by the JSON Schema converter and the CLI's JSON lines.
public func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
