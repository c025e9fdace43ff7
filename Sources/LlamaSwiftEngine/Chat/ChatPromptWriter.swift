/// The byte buffer a template renders into, with the few string operations llama.cpp's
/// templates use, done on UTF-8 bytes as llama.cpp does them on `std::string`:
/// comparisons are byte for byte (Swift's `==` on `String` would also accept
/// canonically equivalent spellings), and trimming removes only the ASCII whitespace
/// C's `isspace` knows (space, \t, \n, \v, \f, \r), never a Unicode space.
struct ChatPromptWriter {
    private(set) var bytes: [UInt8] = []

    init() {}

    /// Appends `text` as is.
    mutating func write(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Appends `text` without its leading and trailing ASCII whitespace (llama.cpp's `trim`).
    mutating func writeTrimmed(_ text: String) {
        bytes.append(contentsOf: ChatText.trimmed(text))
    }

    /// Appends raw bytes (already valid UTF-8).
    mutating func write(bytes more: [UInt8]) {
        bytes.append(contentsOf: more)
    }

    /// The rendered prompt. The inputs are Swift strings (valid UTF-8), and every
    /// transformation keeps UTF-8 valid (it trims or changes only ASCII bytes).
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Byte-level helpers shared by the templates.
enum ChatText {
    /// C `isspace` in the "C" locale.
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// `text`'s UTF-8 bytes without leading and trailing ASCII whitespace.
    static func trimmed(_ text: String) -> [UInt8] {
        let u = Array(text.utf8)
        var start = 0
        var end = u.count
        while start < end, isSpace(u[start]) { start += 1 }
        while end > start, isSpace(u[end - 1]) { end -= 1 }
        return Array(u[start..<end])
    }

    /// Byte-for-byte equality (what `std::string ==` does).
    static func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

    /// Whether `haystack` contains `needle` as a byte substring (`std::string::find`).
    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        if n.isEmpty { return true }
        if n.count > haystack.count { return false }
        let first = n[0]
        var i = 0
        let last = haystack.count - n.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < n.count, haystack[i + j] == n[j] { j += 1 }
                if j == n.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Whether `haystack` begins with `prefix`, byte for byte.
    static func hasPrefix(_ haystack: [UInt8], _ prefix: String) -> Bool {
        let p = Array(prefix.utf8)
        return p.count <= haystack.count && haystack[0..<p.count].elementsEqual(p)
    }

    /// ASCII upper-casing of every byte, as `std::transform(..., ::toupper)` in the
    /// "C" locale (non-ASCII bytes are left alone).
    static func upperASCII(_ text: String) -> [UInt8] {
        text.utf8.map { ($0 >= 0x61 && $0 <= 0x7A) ? $0 - 0x20 : $0 }
    }

    /// The first byte upper-cased if it is an ASCII letter, the rest as is
    /// (`role[0] = toupper(role[0])`).
    static func upperFirstASCII(_ text: String) -> [UInt8] {
        var u = Array(text.utf8)
        if let b = u.first, b >= 0x61, b <= 0x7A { u[0] = b - 0x20 }
        return u
    }
}

extension ChatMessage {
    /// Whether the role is exactly `name` (byte for byte).
    func hasRole(_ name: String) -> Bool { ChatText.same(role, name) }
}
