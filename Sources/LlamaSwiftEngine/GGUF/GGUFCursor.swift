/// A bounds-checked reader over the bytes of a mapped file. Every read checks
/// `count <= size - offset` (ordered so it cannot overflow: `offset <= size` always
/// holds) and throws a FORMAT error naming the byte offset instead of reading past the end.
struct GGUFCursor {
    let base: UnsafeRawPointer
    let size: Int
    private(set) var offset: Int = 0
    /// What is being read, for error messages ("key 'general.name'", "tensor 'x'").
    var context: String = "header"

    init(base: UnsafeRawPointer, size: Int) {
        self.base = base
        self.size = size
    }

    private mutating func take(_ count: Int) throws -> UnsafeRawPointer {
        guard count >= 0, count <= size - offset else {
            throw LlamaError.format(
                "truncated file: \(context) needs \(count) bytes at offset \(offset), file has \(size)")
        }
        let p = base + offset
        offset += count
        return p
    }

    mutating func u8() throws -> UInt8 { try take(1).load(as: UInt8.self) }
    mutating func u16() throws -> UInt16 { UInt16(littleEndian: try take(2).loadUnaligned(as: UInt16.self)) }
    mutating func u32() throws -> UInt32 { UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self)) }
    mutating func u64() throws -> UInt64 { UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self)) }
    mutating func f32() throws -> Float { Float(bitPattern: try u32()) }
    mutating func f64() throws -> Double { Double(bitPattern: try u64()) }

    /// A count or length stored as u64, checked to be at most `limit` (so that a hostile
    /// 2^63 never reaches an allocation).
    mutating func count(_ what: String, limit: Int) throws -> Int {
        let at = offset
        let v = try u64()
        guard v <= UInt64(limit) else {
            throw LlamaError.format("\(context): \(what) \(v) at offset \(at) is out of range (limit \(limit))")
        }
        return Int(v)
    }

    /// A GGUF string: u64 length then bytes (no terminator). The length must fit in
    /// the rest of the file.
    mutating func string() throws -> [UInt8] {
        let n = try count("string length", limit: size - offset)
        let p = try take(n)
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    mutating func align(to alignment: Int) throws {
        let rem = offset % alignment
        if rem != 0 { _ = try take(alignment - rem) }
    }
}
