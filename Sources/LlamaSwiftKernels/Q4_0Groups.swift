#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU
#endif
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

#if LLAMASWIFT_AVX2

    extension Q4_0Groups {
        /// The low and high nibbles of a 32-byte chunk as bytes.
        @inline(__always)
        static func chunk(_ p: UnsafeRawPointer) -> (lo: __m256i, hi: __m256i) {
            let v = _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self))
            let m4 = _mm256_set1_epi8(0x0F)
            return (_mm256_and_si256(v, m4), _mm256_and_si256(_mm256_srli_epi16(v, 4), m4))
        }

        /// Adds the products of nibbles (one byte per element, 4 per row lane) with 4
        /// activations broadcast to every row's lane, to partial sums: with AVX512_VNNI (v4)
        /// straight into each row's 32-bit lane (`vpdpbusd`); otherwise as 16-bit pair sums
        /// (`vpmaddubsw`), each term at most 2·15·127 = 3,810 in magnitude, so 8 of them fit.
        @inline(__always)
        static func addNibbles(_ s: __m256i, _ n: __m256i, _ x4: Int32) -> __m256i {
            #if LLAMASWIFT_VNNI
                lsk_dpbusd(s, n, _mm256_set1_epi32(x4))
            #else
                _mm256_add_epi16(s, _mm256_maddubs_epi16(n, _mm256_set1_epi32(x4)))
            #endif
        }

        /// Adds chunk j's products with a token's activations 4j…4j+3 (low nibbles) and
        /// 16+4j…16+4j+3 (high): 8 terms per block.
        @inline(__always)
        static func addChunk(_ s: __m256i, _ c: (lo: __m256i, hi: __m256i), _ x: UnsafeRawPointer, _ j: Int) -> __m256i
        {
            let s = addNibbles(s, c.lo, x.loadUnaligned(fromByteOffset: 4 * j, as: Int32.self))
            return addNibbles(s, c.hi, x.loadUnaligned(fromByteOffset: 16 + 4 * j, as: Int32.self))
        }

        /// A block's partial sums as each row's 32-bit Σ n·x.
        @inline(__always)
        static func rowSums(_ s: __m256i) -> __m256i {
            #if LLAMASWIFT_VNNI
                s
            #else
                _mm256_madd_epi16(s, _mm256_set1_epi16(1))
            #endif
        }

        /// acc + Float(Σ n·x − 8·Σx) · (d_w · d_a) for one block of 8 rows.
        @inline(__always)
        static func accumulate(
            _ acc: SIMD8<Float>, _ s: __m256i, _ sum: Int32, _ dw: SIMD8<Float>, _ da: Float
        ) -> SIMD8<Float> {
            let isum = _mm256_sub_epi32(rowSums(s), _mm256_set1_epi32(sum << 3))
            return _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, _mm256_set1_ps(da)), acc)
        }

        @inline(__always)
        static func scales(_ p: UnsafeRawPointer) -> SIMD8<Float> {
            _mm256_cvtph_ps(_mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self)))
        }

        /// One group × one token (decode). It asks for the weights 2 KB ahead (1 thread,
        /// 7B-shaped: 6.8 tokens/s; 6.1–6.4 without the hint, 6.4–6.7 at 512 or 1024 bytes).
        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            let sc = g
            var acc = SIMD8<Float>()
            for b in 0..<nb {
                let q = g + 144 * b + 16, xb = x + 32 * b
                lsk_prefetch(q + 2048)
                var s = addChunk(_mm256_setzero_si256(), chunk(q), xb, 0)
                s = addChunk(s, chunk(q + 32), xb, 1)
                s = addChunk(s, chunk(q + 64), xb, 2)
                s = addChunk(s, chunk(q + 96), xb, 3)
                acc = accumulate(acc, s, sums[b], scales(sc + 144 * b), d[b])
            }
            _mm256_storeu_ps(out, acc)
        }

        /// One group × 4 tokens (prefill): each chunk's nibbles decoded once for 4 tokens.
        @inline(__always)
        static func group8x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            let sc = g
            let x1 = x + cols, x2 = x + 2 * cols, x3 = x + 3 * cols
            let nbd = nb
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            for b in 0..<nb {
                let q = g + 144 * b + 16, o = 32 * b
                var s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0
                for j in 0..<4 {
                    let c = chunk(q + 32 * j)
                    s0 = addChunk(s0, c, x + o, j)
                    s1 = addChunk(s1, c, x1 + o, j)
                    s2 = addChunk(s2, c, x2 + o, j)
                    s3 = addChunk(s3, c, x3 + o, j)
                }
                let dw = scales(sc + 144 * b)
                a0 = accumulate(a0, s0, sums[b], dw, d[b])
                a1 = accumulate(a1, s1, sums[nbd + b], dw, d[nbd + b])
                a2 = accumulate(a2, s2, sums[2 * nbd + b], dw, d[2 * nbd + b])
                a3 = accumulate(a3, s3, sums[3 * nbd + b], dw, d[3 * nbd + b])
            }
            _mm256_storeu_ps(out, a0)
            _mm256_storeu_ps(out + ldo, a1)
            _mm256_storeu_ps(out + 2 * ldo, a2)
            _mm256_storeu_ps(out + 3 * ldo, a3)
        }
    }
#else
    extension Q4_0Groups {
        /// Σ (n − 8)·x of block b for the 8 rows, exact: byte k of row r's 4-byte lane in
        /// chunk j holds elements 4j+k (low nibble) and 16+4j+k (high nibble).
        @inline(__always)
        static func blockSums(_ q: UnsafeRawPointer, _ x: UnsafePointer<Int8>, _ sum: Int32) -> SIMD8<Int32> {
            var isum = SIMD8<Int32>()
            for j in 0..<4 {
                let v = q.loadUnaligned(fromByteOffset: 32 * j, as: SIMD8<UInt32>.self)
                for k in 0..<4 {
                    let byte = SIMD8<Int32>(truncatingIfNeeded: (v &>> UInt32(8 * k)) & 0xFF)
                    isum &+= (byte & 0xF) &* Int32(x[4 * j + k]) &+ (byte &>> 4) &* Int32(x[16 + 4 * j + k])
                }
            }
            return isum &- SIMD8(repeating: sum << 3)
        }

        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            let sc = g
            let xs = x.assumingMemoryBound(to: Int8.self)
            var acc = SIMD8<Float>()
            for b in 0..<nb {
                let isum = blockSums(g + 144 * b + 16, xs + 32 * b, sums[b])
                acc.addProduct(SIMD8<Float>(isum), halves8(sc + 144 * b) * d[b])
            }
            for r in 0..<8 { out[r] = acc[r] }
        }
    }
#endif

extension Q4_0Groups {
    /// Q4_0 matrices whose row count is a multiple of 8, in groups of 8 rows.
    public static let layout = WeightLayout(
        name: "Q4_0 in groups of 8 rows", activations: .q8Blocks32, accepts: acceptsGroups(of: .q4_0),
        packing: .init(
            bytes: { type, rows, cols in rows * (type.rowBytes(cols) ?? 0) },
            pack: { pack($0.source, $0.destination, rows: $0.rows, rowBytes: $0.rowBytes) }),
        multiply: { run($0) })
}
