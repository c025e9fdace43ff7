import LlamaSwiftFormats

/// Q5_0 matrices stored in groups of 8 rows, and their kernels: Q4_0Groups plus each
/// element's fifth bit. (Q4_K_M files of models whose width is not a multiple of 256,
/// such as SmolLM2's 576, store most matrices as Q5_0.)
///
/// Summation order, as Q4_0Groups (the same in every build, for decode and prefill): per
/// row and block the exact Σ (u − 16)·x, u = nibble | fifth bit·16, then
/// acc = fma(Float(isum), d_w·d_a, acc) over the blocks. (llama.cpp sums Q5_0 per row in
/// 8 lanes; the tiny Q5_0 model's logits stay within 1e-3 of its.)
///
/// Layout (the file's 8·22 bytes per block column of 8 rows, reordered): group g fills
/// 8·rowBytes = 176·nb bytes, block column b at 176·b:
///     0: d of rows 0…7 (halves)
///    16: 4 chunks of 32 bytes, bytes 4r…4r+3 of chunk j = row r's qs[4j…4j+3] (as Q4_0Groups)
///   144: fifth bits as two 32-bit masks per chunk j, at 144 + 8j (low nibbles) and
///        144 + 8j + 4 (high): bit 4r + k is the fifth bit of row r's element 4j + k
///        (16 + 4j + k) — the chunk's byte order, so the v4 build adds 16 under the mask
///        (`vpaddb` with an AVX-512 byte mask) and the v3 build spreads it like Q5 blocks.
public enum Q5_0Groups: RowGroupKernels {
    /// Copies `rows` rows (a multiple of 8) of Q5_0 blocks from the file's layout.
    public static func pack(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, rows: Int, rowBytes: Int) {
        let blockBytes = WeightType.q5_0.blockBytes, nb = rowBytes / blockBytes
        for g in 0..<(rows / 8) {
            let from = src + g * 8 * rowBytes, to = dst + g * 8 * rowBytes
            for r in 0..<8 {
                for b in 0..<nb {
                    let blk = from + r * rowBytes + blockBytes * b, at = 176 * b
                    to.storeBytes(of: blk.loadUnaligned(as: UInt16.self), toByteOffset: at + 2 * r, as: UInt16.self)
                    let qh = blk.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
                    for j in 0..<4 {
                        to.storeBytes(
                            of: blk.loadUnaligned(fromByteOffset: 6 + 4 * j, as: UInt32.self),
                            toByteOffset: at + 16 + 32 * j + 4 * r,
                            as: UInt32.self)
                        for (half, shift) in [(0, 4 * j), (4, 16 + 4 * j)] {
                            let m = at + 144 + 8 * j + half
                            let bits = ((qh >> UInt32(shift)) & 0xF) << UInt32(4 * r)
                            let before = r == 0 ? 0 : to.loadUnaligned(fromByteOffset: m, as: UInt32.self)
                            to.storeBytes(of: before | bits, toByteOffset: m, as: UInt32.self)
                        }
                    }
                }
            }
        }
    }

    static var blockElements: Int { 32 }
    static var groupBlockBytes: Int { 176 }
    static var sumsPerBlock: Int { 1 }
}

extension Q5_0Groups {
    /// Q5_0 matrices whose row count is a multiple of 8, in groups of 8 rows.
    public static let layout = WeightLayout(
        name: "Q5_0 in groups of 8 rows", activations: .q8Blocks32, accepts: acceptsGroups(of: .q5_0),
        packing: .init(
            bytes: { type, rows, cols in rows * (type.rowBytes(cols) ?? 0) },
            pack: { pack($0.source, $0.destination, rows: $0.rows, rowBytes: $0.rowBytes) }),
        multiply: { run($0) })
}
