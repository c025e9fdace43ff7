import LlamaSwiftFormats

/// Q6_K matrices stored in groups of 8 rows, and their matrix × Q8_K activation kernels
/// (the Q4_0Groups idea for Q6_K, which Q4_K_M files use for the output matrix and for
/// half of the attention-value and feed-forward-down matrices).
///
/// Bit-identical to KQuantReference.q6_K: per super-block the exact S = Σₛ scₛ·Σ (q − 32)·x
/// over the 16 sub-blocks of 16, then sum + (d_w·d_a)·S, unfused, in block order. Each
/// 6-bit value is used as u = q + 32 ∈ [0, 63] (unsigned, for `vpmaddubsw`/`vpdpbusd`)
/// and the offset subtracted per sub-block through the activations' sums of 16.
///
/// Layout (the file's 8·210 bytes per super-block of 8 rows, reordered): group g,
/// super-block b at (g·nb + b)·1680:
///     0: d of rows 0…7 (halves)
///    16: scales, byte 8s + r = sc_s of row r (int8)
///   144: 16 quads (n, h, i) at 144 + 96·(8n + 4h + i), each three 32-byte chunks whose
///        bytes 4r…4r+3 are row r's ql[64n + 16h + 4i …], ql[64n + 32 + 16h + 4i …] and
///        qh[32n + 16h + 4i …]: the low and high nibbles and 2-bit pairs of elements
///        128n + {0, 32, 64, 96} + 16h + 4i + (0…3) (sub-blocks 8n + {0, 2, 4, 6} + h).
public enum Q6_KGroups: RowGroupKernels {
    static let groupBlockBytes = 1680

    /// Copies `rows` rows (a multiple of 8) of Q6_K blocks (210 bytes) from the file's layout.
    public static func pack(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, rows: Int, cols: Int) {
        let blockBytes = WeightType.q6_K.blockBytes, nb = cols / 256, rowBytes = blockBytes * nb
        for g in 0..<(rows / 8) {
            for b in 0..<nb {
                let to = dst + (g * nb + b) * groupBlockBytes
                for r in 0..<8 {
                    let blk = src + (8 * g + r) * rowBytes + blockBytes * b
                    to.storeBytes(
                        of: blk.loadUnaligned(fromByteOffset: 208, as: UInt16.self), toByteOffset: 2 * r,
                        as: UInt16.self)
                    for s in 0..<16 {
                        to.storeBytes(
                            of: blk.load(fromByteOffset: 192 + s, as: UInt8.self), toByteOffset: 16 + 8 * s + r,
                            as: UInt8.self)
                    }
                    for n in 0..<2 {
                        for h in 0..<2 {
                            for i in 0..<4 {
                                let q = 144 + 96 * (8 * n + 4 * h + i) + 4 * r, l = 16 * h + 4 * i
                                to.storeBytes(
                                    of: blk.loadUnaligned(fromByteOffset: 64 * n + l, as: UInt32.self), toByteOffset: q,
                                    as: UInt32.self)
                                to.storeBytes(
                                    of: blk.loadUnaligned(fromByteOffset: 64 * n + 32 + l, as: UInt32.self),
                                    toByteOffset: q + 32, as: UInt32.self)
                                to.storeBytes(
                                    of: blk.loadUnaligned(fromByteOffset: 128 + 32 * n + l, as: UInt32.self),
                                    toByteOffset: q + 64, as: UInt32.self)
                            }
                        }
                    }
                }
            }
        }
    }

    static var blockElements: Int { 256 }
    static var sumsPerBlock: Int { 16 }
}

extension Q6_KGroups {
    /// Q6_K matrices whose row count is a multiple of 8, in groups of 8 rows.
    public static let layout = WeightLayout(
        name: "Q6_K in groups of 8 rows", activations: .q8Blocks256, accepts: acceptsGroups(of: .q6_K),
        packing: .init(
            bytes: { type, rows, cols in rows * (type.rowBytes(cols) ?? 0) },
            pack: { pack($0.source, $0.destination, rows: $0.rows, cols: $0.cols) }),
        multiply: { run($0) })
}
