/// A fast streaming 64-bit hash for detecting corruption (not an adversary): four
/// independent lanes over 8-byte words so the multiplies overlap, then a final mix.
/// Used for session-state checksums and model fingerprints. The result depends only on
/// the bytes fed, not on how they were cut into `update` calls.
struct StreamHash {
    private var lanes: (UInt64, UInt64, UInt64, UInt64) = (
        0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9, 0x85EB_CA77_C2B2_AE63
    )
    private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var pendingCount = 0  // bytes waiting in `pending` (< 32)
    private var total: UInt64 = 0

    private static let prime: UInt64 = 0x9FB2_1C65_1E98_DF25

    @inline(__always)
    private static func mix(_ lane: UInt64, _ word: UInt64) -> UInt64 {
        let x = (lane ^ word) &* prime
        return (x << 29) | (x >> 35)
    }

    @inline(__always)
    private mutating func stripe(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) {
        lanes.0 = Self.mix(lanes.0, a)
        lanes.1 = Self.mix(lanes.1, b)
        lanes.2 = Self.mix(lanes.2, c)
        lanes.3 = Self.mix(lanes.3, d)
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        total &+= UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        // Top up a partial stripe first.
        if pendingCount > 0 {
            withUnsafeMutableBytes(of: &pending) { p in
                while pendingCount < 32 && i < n {
                    p[pendingCount] = base.load(fromByteOffset: i, as: UInt8.self)
                    pendingCount += 1
                    i += 1
                }
            }
            if pendingCount < 32 { return }
            stripe(pending.0, pending.1, pending.2, pending.3)
            pendingCount = 0
        }
        while i + 32 <= n {
            stripe(
                base.loadUnaligned(fromByteOffset: i, as: UInt64.self),
                base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self),
                base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self),
                base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))
            i += 32
        }
        if i < n {
            pending = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &pending) { p in
                while i < n {
                    p[pendingCount] = base.load(fromByteOffset: i, as: UInt8.self)
                    pendingCount += 1
                    i += 1
                }
            }
        }
    }

    mutating func update<T>(value: T) {
        withUnsafeBytes(of: value) { update($0) }
    }

    /// The hash of everything fed so far (does not change the state).
    func finish() -> UInt64 {
        var copy = self
        if copy.pendingCount > 0 {
            withUnsafeMutableBytes(of: &copy.pending) { p in
                for j in copy.pendingCount..<32 { p[j] = 0 }
            }
            copy.stripe(copy.pending.0, copy.pending.1, copy.pending.2, copy.pending.3)
        }
        var h = copy.total &* Self.prime
        for lane in [copy.lanes.0, copy.lanes.1, copy.lanes.2, copy.lanes.3] {
            h = Self.mix(h, lane)
        }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }
}
