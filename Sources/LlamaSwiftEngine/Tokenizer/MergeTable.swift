/// The BPE merge table: (left symbol id, right symbol id) → (rank, merged symbol id).
///
/// llama.cpp keys `bpe_ranks` by the pair of token *texts*; here every text that can occur
/// in a merge has an id (a vocabulary id, or a "virtual" id above the vocabulary for texts
/// that are merge parts or results but not tokens), so a lookup is one 64-bit key in an
/// open-addressing table instead of two string constructions and a string-pair hash.
/// The first occurrence of a pair in `tokenizer.ggml.merges` gives its rank, as
/// `bpe_ranks.emplace` keeps the first.
struct MergeTable: Sendable {
    private var keys: [UInt64]
    private var vals: [UInt64]
    private var mask: Int
    private(set) var count = 0

    static let emptyKey = UInt64.max

    init(expectedCount: Int) {
        var capacity = 16
        while capacity < expectedCount * 2 + 1 { capacity <<= 1 }
        keys = [UInt64](repeating: Self.emptyKey, count: capacity)
        vals = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
    }

    @inline(__always)
    static func key(_ left: UInt32, _ right: UInt32) -> UInt64 { UInt64(left) << 32 | UInt64(right) }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 31
        return Int(truncatingIfNeeded: h) & mask
    }

    /// Adds the pair unless it is already present (the first rank wins).
    mutating func insertIfAbsent(left: UInt32, right: UInt32, rank: UInt32, result: UInt32) {
        if (count + 1) * 2 > keys.count { grow() }
        let k = Self.key(left, right)
        var i = Self.slot(k, mask)
        while keys[i] != Self.emptyKey {
            if keys[i] == k { return }
            i = (i + 1) & mask
        }
        keys[i] = k
        vals[i] = UInt64(rank) << 32 | UInt64(result)
        count += 1
    }

    /// (rank, merged id) for the pair, or nil when the pair is not a merge.
    @inline(__always)
    func lookup(left: UInt32, right: UInt32) -> (rank: UInt32, result: UInt32)? {
        let k = Self.key(left, right)
        return keys.withUnsafeBufferPointer { kp -> (rank: UInt32, result: UInt32)? in
            var i = Self.slot(k, mask)
            while true {
                let stored = kp[i]
                if stored == k {
                    let v = vals[i]
                    return (UInt32(truncatingIfNeeded: v >> 32), UInt32(truncatingIfNeeded: v))
                }
                if stored == Self.emptyKey { return nil }
                i = (i + 1) & mask
            }
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldVals = vals
        keys = [UInt64](repeating: Self.emptyKey, count: oldKeys.count * 2)
        vals = [UInt64](repeating: 0, count: oldKeys.count * 2)
        mask = keys.count - 1
        for j in 0..<oldKeys.count where oldKeys[j] != Self.emptyKey {
            var i = Self.slot(oldKeys[j], mask)
            while keys[i] != Self.emptyKey { i = (i + 1) & mask }
            keys[i] = oldKeys[j]
            vals[i] = oldVals[j]
        }
    }
}
