import LlamaSwiftFormats

/// Q4_1 matrices stored in groups of 8 rows, and their kernels: Q4_0Groups with a minimum
/// per block instead of the offset 8 (SmolLM2's default Q4_1 file stores every decoder
/// matrix this way).
///
/// Summation order (the same in every build, for decode and prefill): per row and block
/// the exact integer Σ n·x (n the nibble, 0…15), then
///     acc = fma(Float(isum), d_w·d_a, acc);  acc = fma(m_w, s_a, acc)
/// over the blocks in order, where s_a is the activation block's d·Σx rounded to half
/// precision (`QuantizedRows.scaledSums`, llama.cpp's Q8_1 `s`: rounding it otherwise
/// moved SmolLM2's logits by up to 0.9 from llama.cpp's).
///
/// This is not llama.cpp's order: its Q4_1 × Q8_1 dot product sums each row's block
/// products in 8 float lanes and the m_w·s_a terms apart, adding the two at the end; the
/// file-order layouts (`Q32Tiles`, taken when repacking is off: `LoadOptions.repack =
/// false` or LLAMASWIFT_REPACK=0) keep that order, bit for bit. The trade, measured on
/// SmolLM2-135M Q4_1 (docs/performance.md): the groups decode each block's nibbles once
/// for 8 rows and convert one scale vector per block; the logits differ from llama.cpp's
/// by float noise (ForwardTests' bound).
///
/// Layout (the file's 8·20 bytes per block column of 8 rows, reordered): group g fills
/// 8·rowBytes = 160·nb bytes, block column b at 160·b:
///     0: d of rows 0…7 (halves)
///    16: m of rows 0…7 (halves)
///    32: 4 chunks of 32 bytes, bytes 4r…4r+3 of chunk j = row r's qs[4j…4j+3] (as Q4_0Groups:
///        byte i of a block holds element i in its low nibble, i + 16 in its high nibble)
public enum Q4_1Groups: RowGroupKernels {
    /// Copies `rows` rows (a multiple of 8) of Q4_1 blocks from the file's layout at `src`
    /// into the group layout at `dst` (the same number of bytes).
    public static func pack(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, rows: Int, rowBytes: Int) {
        let blockBytes = WeightType.q4_1.blockBytes, nb = rowBytes / blockBytes
        for g in 0..<(rows / 8) {
            let from = src + g * 8 * rowBytes, to = dst + g * 8 * rowBytes
            for r in 0..<8 {
                for b in 0..<nb {
                    let blk = from + r * rowBytes + blockBytes * b, at = 160 * b
                    to.storeBytes(of: blk.loadUnaligned(as: UInt16.self), toByteOffset: at + 2 * r, as: UInt16.self)
                    to.storeBytes(
                        of: blk.loadUnaligned(fromByteOffset: 2, as: UInt16.self), toByteOffset: at + 16 + 2 * r,
                        as: UInt16.self)
                    for j in 0..<4 {
                        to.storeBytes(
                            of: blk.loadUnaligned(fromByteOffset: 4 + 4 * j, as: UInt32.self),
                            toByteOffset: at + 32 + 32 * j + 4 * r,
                            as: UInt32.self)
                    }
                }
            }
        }
    }

    static var blockElements: Int { 32 }
    static var groupBlockBytes: Int { 160 }
    static var sumsPerBlock: Int { 1 }
    static func blockSums(_ a: QuantizedRows) -> UnsafePointer<Float> { a.scaledSums }
}

extension Q4_1Groups {
    /// Q4_1 matrices whose row count is a multiple of 8, in groups of 8 rows.
    public static let layout = WeightLayout(
        name: "Q4_1 in groups of 8 rows", activations: .q8Blocks32, accepts: acceptsGroups(of: .q4_1),
        packing: .init(
            bytes: { type, rows, cols in rows * (type.rowBytes(cols) ?? 0) },
            pack: { pack($0.source, $0.destination, rows: $0.rows, rowBytes: $0.rowBytes) }),
        multiply: { run($0) })
}
