import CLlamaSwiftCPU
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import LlamaSwiftKernels
#if canImport(LlamaSwiftKernelsV3)
import LlamaSwiftKernelsV3
#endif

/// The hot kernels, chosen once per process from the CPU. The kernel sources are built
/// twice on x86-64: `LlamaSwiftKernels` for baseline x86-64 (runs anywhere) and
/// `LlamaSwiftKernelsV3` (the same files, through a symlinked folder) for x86-64-v3 —
/// AVX2, FMA, F16C. Both compute the same bits: integer sums are exact, every float
/// multiply-add is a fused `addProduct` (an instruction on v3, a correctly rounded
/// library `fma` on baseline) and no reduction order depends on the vector width. On
/// other architectures only the portable build exists.
struct KernelSet {
    typealias Tiles32 = (
        UnsafeRawPointer, Int, Range<Int>, Int, UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Float>, Int,
        UnsafeMutablePointer<Float>, Int, Bool
    ) -> Void
    typealias TilesK = (
        UnsafeRawPointer, Int, Range<Int>, Int, UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Int32>, Int,
        UnsafeMutablePointer<Float>, Int
    ) -> Void
    typealias TilesF = (Int, UnsafeRawPointer, Int, Range<Int>, Int, UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>, Int) -> Void
    typealias Q8 = (
        UnsafePointer<Float>, Int, UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
        UnsafeMutablePointer<Int32>
    ) -> Void
    typealias Head = (
        UnsafePointer<Float>, Int, Int, UnsafeRawPointer, UnsafeRawPointer, Int, Int, Bool, Float,
        UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>
    ) -> Void
    typealias Q8K = (UnsafePointer<Float>, Int, UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int32>) -> Void

    /// "x86-64-v3", "x86-64" or "portable".
    let name: String
    let q4_0, q4_1, q5_0, q5_1, q8_0: Tiles32
    /// Q4_0 in groups of 8 rows (Q4_0Groups); the pointer after the scales is the
    /// activations' integer block sums.
    let q4_0Groups: TilesK
    let q4_K, q5_K, q6_K: TilesK
    let float: TilesF
    let quantizeQ8: Q8
    let quantizeQ8K: Q8K
    let attendHead: Head

    /// The best build this CPU runs; LLAMASWIFT_KERNELS=x86-64 forces the baseline build
    /// (to test that every build computes the same bits).
    static let active: KernelSet = {
        #if canImport(LlamaSwiftKernelsV3)
        let forced = getenv("LLAMASWIFT_KERNELS").map { String(cString: $0) }
        if lsk_cpu_x86_level() >= 3 && forced != "x86-64" { return v3 }
        #endif
        return base
    }()

    static let base = KernelSet(
        name: lsk_cpu_x86_level() == 0 ? "portable" : "x86-64",
        q4_0: { LlamaSwiftKernels.QuantTiles.q4_0($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q4_1: { LlamaSwiftKernels.QuantTiles.q4_1($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q5_0: { LlamaSwiftKernels.QuantTiles.q5_0($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q5_1: { LlamaSwiftKernels.QuantTiles.q5_1($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q8_0: { LlamaSwiftKernels.QuantTiles.q8_0($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q4_0Groups: { LlamaSwiftKernels.Q4_0Groups.multiply($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q4_K: { LlamaSwiftKernels.QuantTiles.q4_K($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q5_K: { LlamaSwiftKernels.QuantTiles.q5_K($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q6_K: { LlamaSwiftKernels.QuantTiles.q6_K($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        float: { LlamaSwiftKernels.QuantTiles.float(typeID: $0, $1, rowBytes: $2, rows: $3, tokens: $4, $5, cols: $6, $7, ldo: $8) },
        quantizeQ8: { LlamaSwiftKernels.ActivationQuantize.q8($0, $1, $2, $3, $4, $5) },
        quantizeQ8K: { LlamaSwiftKernels.ActivationQuantize.q8K($0, $1, $2, $3, $4) },
        attendHead: {
            LlamaSwiftKernels.AttentionKernels.head(
                q: $0, headDim: $1, last: $2, keys: $3, values: $4, rowBytes: $5, offset: $6, f16: $7, scale: $8,
                qbuf: $9, scores: $10, out: $11)
        })

    #if canImport(LlamaSwiftKernelsV3)
    static let v3 = KernelSet(
        name: "x86-64-v3",
        q4_0: { LlamaSwiftKernelsV3.QuantTiles.q4_0($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q4_1: { LlamaSwiftKernelsV3.QuantTiles.q4_1($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q5_0: { LlamaSwiftKernelsV3.QuantTiles.q5_0($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q5_1: { LlamaSwiftKernelsV3.QuantTiles.q5_1($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q8_0: { LlamaSwiftKernelsV3.QuantTiles.q8_0($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q4_0Groups: { LlamaSwiftKernelsV3.Q4_0Groups.multiply($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q4_K: { LlamaSwiftKernelsV3.QuantTiles.q4_K($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q5_K: { LlamaSwiftKernelsV3.QuantTiles.q5_K($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q6_K: { LlamaSwiftKernelsV3.QuantTiles.q6_K($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        float: { LlamaSwiftKernelsV3.QuantTiles.float(typeID: $0, $1, rowBytes: $2, rows: $3, tokens: $4, $5, cols: $6, $7, ldo: $8) },
        quantizeQ8: { LlamaSwiftKernelsV3.ActivationQuantize.q8($0, $1, $2, $3, $4, $5) },
        quantizeQ8K: { LlamaSwiftKernelsV3.ActivationQuantize.q8K($0, $1, $2, $3, $4) },
        attendHead: {
            LlamaSwiftKernelsV3.AttentionKernels.head(
                q: $0, headDim: $1, last: $2, keys: $3, values: $4, rowBytes: $5, offset: $6, f16: $7, scale: $8,
                qbuf: $9, scores: $10, out: $11)
        })
    #endif
}

/// Which build of the kernels this process runs: "x86-64-v3", "x86-64" or "portable".
public func kernelPathName() -> String { KernelSet.active.name }
