import LlamaSwiftFormats

/// Q4_0 matrices stored in groups of 8 rows, and their matrix × activation kernels.
///
/// Why: in the file's layout every row's block is summed in 8 float lanes and needs its
/// own nibble unpacking, scale conversion, broadcast, integer-to-float conversion and
/// fused multiply-add, which made decode compute-bound (a 7B-shaped Q4_0 model read its
/// weights at half the machine's bandwidth). Here one 32-byte load holds 4 quant bytes of
/// each of 8 rows, so after `vpmaddubsw` + `vpmaddwd` (or one `vpdpbusd` with
/// AVX512_VNNI) each 32-bit lane is one row's sum:
/// per block, 8 rows share one conversion, one scale vector and one fused multiply-add
/// (the decode loop is 47 instructions per block of 8 rows in the x86-64-v3 build, 40 in
/// v4, where `vpdpbusd` takes the broadcast activations as memory operands: read from
/// the assembly).
///
/// Summation order (the same in every build, for decode and prefill, so results do not
/// depend on the CPU level, thread count or batch size): per row and block the exact
/// integer Σ (n − 8)·x, then acc = fma(Float(isum), d_w·d_a, acc) over the blocks in order;
/// the output is acc. This is also the order of llama.cpp's own Q4_0 kernel on AVX2 CPUs
/// (it repacks Q4_0 matrices whose row count is a multiple of 8 into groups of 8 rows too),
/// so our logits follow the ones llama.cpp computes on the same machine.
///
/// Layout of a matrix of R rows (R a multiple of 8) and nb blocks per row: group g (rows
/// 8g…8g+7) fills the same 8·rowBytes = 144·nb bytes the 8 rows fill in the file, block
/// column b at 144·b:
///   16 bytes: the half-precision d of rows 0…7's block b;
///   4 chunks of 32 bytes at 16 + 32·j: bytes 4r…4r+3 of chunk j are quant bytes 4j…4j+3
///   of row r's block (byte i of a Q4_0 block holds element i in its low nibble and
///   element i + 16 in its high nibble).
/// So decode reads one sequential stream. (Scales kept apart from the quants, so that the
/// quant loads were 32-byte aligned, made a second stream and decode of a 7B-shaped model
/// 2.4–2.9 instead of 6.4–6.8 tokens/s on this machine's EPYC, 1 thread.)
public enum Q4_0Groups: RowGroupKernels {
    /// Copies `rows` rows (a multiple of 8) of Q4_0 blocks from the file's layout at `src`
    /// into the group layout at `dst` (the same number of bytes).
    public static func pack(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, rows: Int, rowBytes: Int) {
        let blockBytes = WeightType.q4_0.blockBytes, nb = rowBytes / blockBytes
        for g in 0..<(rows / 8) {
            let from = src + g * 8 * rowBytes, to = dst + g * 8 * rowBytes
            for r in 0..<8 {
                for b in 0..<nb {
                    let blk = from + r * rowBytes + blockBytes * b
                    to.storeBytes(
                        of: blk.loadUnaligned(as: UInt16.self), toByteOffset: 144 * b + 2 * r, as: UInt16.self)
                    for j in 0..<4 {
                        to.storeBytes(
                            of: blk.loadUnaligned(fromByteOffset: 2 + 4 * j, as: UInt32.self),
                            toByteOffset: 144 * b + 16 + 32 * j + 4 * r,
                            as: UInt32.self)
                    }
                }
            }
        }
    }

    static var blockElements: Int { 32 }
    static var groupBlockBytes: Int { 144 }
    static var sumsPerBlock: Int { 1 }
}

extension Q4_0Groups {
    /// Q4_0 matrices whose row count is a multiple of 8, in groups of 8 rows.
    public static let layout = WeightLayout(
        name: "Q4_0 in groups of 8 rows", activations: .q8Blocks32, accepts: acceptsGroups(of: .q4_0),
        packing: .init(
            bytes: { type, rows, cols in rows * (type.rowBytes(cols) ?? 0) },
            pack: { pack($0.source, $0.destination, rows: $0.rows, rowBytes: $0.rowBytes) }),
        multiply: { run($0) })
}
