import LlamaSwiftFormats

/// Q4_K matrices stored in groups of 8 rows, and their matrix × Q8_K activation kernels
/// — the Q4_0Groups idea for Q4_K: one 32-byte load holds 4 quant bytes of each of 8
/// rows, so each 32-bit lane is one row's sum, and the sub-block scales, mins and the
/// float steps are applied to 8 rows per instruction.
///
/// The results are bit-identical to KQuantReference.q45_K (the row-by-row reference and the
/// file-layout kernels): per super-block the same exact integers S1 = Σⱼ scⱼ·Σ q·x and
/// S2 = Σⱼ mⱼ·Σ x, then sum + ((d_w·d_a)·S1 − (dmin_w·d_a)·S2), unfused, in block order.
///
/// Layout of a matrix of R rows (R a multiple of 8), nb super-blocks of 256 per row:
/// group g, super-block b at (g·nb + b)·1184 bytes, holding the 8 rows' blocks as
///     0: d of rows 0…7 (halves)            16: dmin of rows 0…7 (halves)
///    32: scales, byte 8j + r = sc_j of row r (the 6-bit values unpacked)
///    96: mins, bytes 16p + 2r, 16p + 2r + 1 = m_2p, m_2p+1 of row r
///   160: quants, chunk (c, k) at 160 + 256c + 32k: bytes 4r…4r+3 = row r's
///        qs[32c + 4k …< 32c + 4k + 4] (low nibbles: sub-block 2c, high: 2c + 1)
/// 1,184 bytes where the file has 8·144 = 1,152: the unpacked scales cost 2.8% more
/// memory and save unpacking 6-bit fields for every token.
public enum Q4_KGroups: RowGroupKernels {
    static let groupBlockBytes = 1184

    /// Bytes of a matrix in this layout.
    public static func packedBytes(rows: Int, cols: Int) -> Int { rows / 8 * (cols / 256) * groupBlockBytes }

    /// Copies `rows` rows (a multiple of 8) of Q4_K blocks (144 bytes) from the file's layout.
    public static func pack(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, rows: Int, cols: Int) {
        let blockBytes = WeightType.q4_K.blockBytes, nb = cols / 256, rowBytes = blockBytes * nb
        for g in 0..<(rows / 8) {
            for b in 0..<nb {
                let to = dst + (g * nb + b) * groupBlockBytes
                for r in 0..<8 {
                    let blk = src + (8 * g + r) * rowBytes + blockBytes * b
                    to.storeBytes(of: blk.loadUnaligned(as: UInt16.self), toByteOffset: 2 * r, as: UInt16.self)
                    to.storeBytes(
                        of: blk.loadUnaligned(fromByteOffset: 2, as: UInt16.self), toByteOffset: 16 + 2 * r,
                        as: UInt16.self)
                    let scales = (blk + 4).assumingMemoryBound(to: UInt8.self)
                    for j in 0..<8 {
                        let (sc, m) = kScaleMin(scales, j)
                        to.storeBytes(of: UInt8(sc), toByteOffset: 32 + 8 * j + r, as: UInt8.self)
                        to.storeBytes(of: UInt8(m), toByteOffset: 96 + 16 * (j / 2) + 2 * r + j % 2, as: UInt8.self)
                    }
                    for c in 0..<4 {
                        for k in 0..<8 {
                            to.storeBytes(
                                of: blk.loadUnaligned(fromByteOffset: 16 + 32 * c + 4 * k, as: UInt32.self),
                                toByteOffset: 160 + 256 * c + 32 * k + 4 * r, as: UInt32.self)
                        }
                    }
                }
            }
        }
    }

    static var blockElements: Int { 256 }
    static var sumsPerBlock: Int { 16 }

    /// The activation sums of sub-blocks 2p and 2p+1 (each |Σ| ≤ 32·127, so 16 bits) as
    /// the two 16-bit halves of one 32-bit value, for `vpmaddwd` against the mins.
    @inline(__always)
    static func subBlockSumPair(_ bs: UnsafePointer<Int32>, _ p: Int) -> Int32 {
        let a = bs[4 * p] &+ bs[4 * p + 1], b = bs[4 * p + 2] &+ bs[4 * p + 3]
        return Int32(bitPattern: UInt32(UInt16(truncatingIfNeeded: a)) | UInt32(UInt16(truncatingIfNeeded: b)) << 16)
    }
}

extension Q4_KGroups {
    /// Q4_K matrices whose row count is a multiple of 8, in groups of 8 rows (2.8% larger
    /// than the file's rows: the scales unpacked).
    public static let layout = WeightLayout(
        name: "Q4_K in groups of 8 rows", activations: .q8Blocks256, accepts: acceptsGroups(of: .q4_K),
        packing: .init(
            bytes: { _, rows, cols in packedBytes(rows: rows, cols: cols) },
            pack: { pack($0.source, $0.destination, rows: $0.rows, cols: $0.cols) }),
        multiply: { run($0) })
}
