/// An immutable hash map from byte strings to token ids, built once at load and read by
/// every tokenize call on any thread.
///
/// Open addressing with linear probing over a power-of-two slot array; each slot packs the
/// key's 32-bit hash tag and its entry index (+1, so 0 means empty), so a probe compares
/// bytes only when the tags agree. Keys are hashed eight bytes at a time. This replaces
/// llama.cpp's `std::unordered_map<std::string, llama_token> token_to_id` (which must build
/// a `std::string` per lookup); inserting a key again overwrites its value, as
/// `token_to_id[word] = i` does, so a duplicated vocabulary text maps to its last id.
struct ByteStringTable: Sendable {
    private var slots: [UInt64]
    private var mask: Int
    private var keyBytes: [UInt8] = []
    private var keyOffsets: [Int] = [0]
    private var values: [Int32] = []

    init(expectedCount: Int) {
        var capacity = 16
        while capacity < expectedCount * 2 + 1 { capacity <<= 1 }
        slots = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        keyBytes.reserveCapacity(expectedCount * 6)
        keyOffsets.reserveCapacity(expectedCount + 1)
        values.reserveCapacity(expectedCount)
    }

    var count: Int { values.count }

    /// FNV-style mixing over 8-byte little-endian chunks, then a final avalanche.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0x0000_0100_0000_01B3 &+ 0x9E37_79B9
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    /// Inserts `key`, or overwrites its value when present. Only used while building.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, value: Int32) {
        let base = key.baseAddress ?? emptyKey
        let h = Self.hash(base, key.count)
        if let entry = find(base, key.count, h) {
            values[entry] = value
            return
        }
        if (values.count + 1) * 2 > slots.count { grow() }
        let entry = values.count
        keyBytes.append(contentsOf: key)
        keyOffsets.append(keyBytes.count)
        values.append(value)
        place(entry: entry, hash: h)
    }

    mutating func insert(_ key: [UInt8], value: Int32) {
        key.withUnsafeBufferPointer { insert($0, value: value) }
    }

    /// The value for the `n` bytes at `p`, or -1.
    @inline(__always)
    func lookup(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        let h = Self.hash(p, n)
        guard let entry = find(p, n, h) else { return -1 }
        return values[entry]
    }

    func lookup(_ key: [UInt8]) -> Int32 {
        key.withUnsafeBufferPointer { b in
            lookup(b.baseAddress ?? emptyKey, b.count)
        }
    }

    func lookup<C: Collection>(_ key: C) -> Int32 where C.Element == UInt8 {
        lookup(Array(key))
    }

    @inline(__always)
    private func find(_ p: UnsafePointer<UInt8>, _ n: Int, _ h: UInt64) -> Int? {
        let tag = h >> 32
        var i = Int(truncatingIfNeeded: h) & mask
        return slots.withUnsafeBufferPointer { s -> Int? in
            keyBytes.withUnsafeBufferPointer { kb -> Int? in
                keyOffsets.withUnsafeBufferPointer { ko -> Int? in
                    while true {
                        let slot = s[i]
                        if slot == 0 { return nil }
                        if slot >> 32 == tag {
                            let entry = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                            let start = ko[entry]
                            let len = ko[entry + 1] - start
                            if len == n, n == 0 || memcmpBytes((kb.baseAddress ?? emptyKey) + start, p, n) {
                                return entry
                            }
                        }
                        i = (i + 1) & mask
                    }
                }
            }
        }
    }

    private mutating func place(entry: Int, hash h: UInt64) {
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = (h >> 32) << 32 | UInt64(entry + 1)
    }

    private mutating func grow() {
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        for entry in 0..<values.count {
            let start = keyOffsets[entry]
            let n = keyOffsets[entry + 1] - start
            let h = keyBytes.withUnsafeBufferPointer { kb -> UInt64 in
                Self.hash((kb.baseAddress ?? emptyKey) + start, n)
            }
            place(entry: entry, hash: h)
        }
    }
}

/// A valid pointer for hashing empty keys (an empty array has no base address).
nonisolated(unsafe) private let emptyKey: UnsafePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    p.initialize(to: 0)
    return UnsafePointer(p)
}()

@inline(__always)
func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 8 <= n {
        if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        {
            return false
        }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
