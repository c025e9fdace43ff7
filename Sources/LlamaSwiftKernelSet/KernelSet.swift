/// The hot kernels of one build of the kernel sources, as a table of functions.
///
/// The kernel sources (Sources/LlamaSwiftKernels) are compiled once per CPU level —
/// baseline x86-64 (or the portable build elsewhere), x86-64-v3 (AVX2, FMA, F16C) and
/// x86-64-v4 (AVX-512) — into separate modules through symlinked folders. Each build
/// fills this one table type with its own functions (KernelSetExport.swift, shared by all
/// builds), and the engine picks one table per process from CPUID. Every build computes
/// the same bits: integer sums are exact, every float multiply-add is a fused
/// `addProduct` (an instruction on v3/v4, a correctly rounded library `fma` on
/// baseline) and no reduction order depends on the vector width.
public struct KernelSet: Sendable {
    /// Matrix × 8-bit activations for the 32-element types: weights, rowBytes, rows, tokens,
    /// activations, their scales, their scaled sums, cols, out, ldo, 4-row interleaved.
    public typealias Tiles32 = @Sendable (
        UnsafeRawPointer, Int, Range<Int>, Int, UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Float>, Int,
        UnsafeMutablePointer<Float>, Int, Bool
    ) -> Void
    /// The same with integer sums in place of the scaled sums (K-quants: per 16 elements;
    /// Q4_0 in row groups: per 32).
    public typealias TilesK = @Sendable (
        UnsafeRawPointer, Int, Range<Int>, Int, UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Int32>, Int,
        UnsafeMutablePointer<Float>, Int
    ) -> Void
    /// Float weights: type id, weights, rowBytes, rows, tokens, activations, cols, out, ldo.
    public typealias TilesF = @Sendable (
        Int, UnsafeRawPointer, Int, Range<Int>, Int, UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>, Int
    ) -> Void
    /// One row of floats to 32-element 8-bit blocks: values, scales, scaled sums, integer sums.
    public typealias Q8 = @Sendable (
        UnsafePointer<Float>, Int, UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
        UnsafeMutablePointer<Int32>
    ) -> Void
    /// One row of floats to 256-element 8-bit blocks: values, scales, sums of 16.
    public typealias Q8K = @Sendable (
        UnsafePointer<Float>, Int, UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int32>
    ) -> Void
    /// Attention of one query head over the cache (AttentionKernels.head).
    public typealias Head = @Sendable (
        UnsafePointer<Float>, Int, Int, UnsafeRawPointer, UnsafeRawPointer, Int, Int, Bool, Float,
        UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>
    ) -> Void

    /// "x86-64-v4", "x86-64-v3", "x86-64" or "portable".
    public let name: String
    public let q4_0, q4_1, q5_0, q5_1, q8_0: Tiles32
    /// Q4_0 in groups of 8 rows (Q4_0Groups); the rowBytes argument is ignored.
    public let q4_0Groups: TilesK
    /// Q5_0 in groups of 8 rows (Q5_0Groups), called as q4_0Groups.
    public let q5_0Groups: TilesK
    public let q4_K, q5_K, q6_K: TilesK
    /// Q4_K in groups of 8 rows (Q4_KGroups); the rowBytes argument is ignored.
    public let q4_KGroups: TilesK
    /// Q6_K in groups of 8 rows (Q6_KGroups); the rowBytes argument is ignored.
    public let q6_KGroups: TilesK
    public let float: TilesF
    public let quantizeQ8: Q8
    public let quantizeQ8K: Q8K
    public let attendHead: Head

    public init(
        name: String, q4_0: @escaping Tiles32, q4_1: @escaping Tiles32, q5_0: @escaping Tiles32, q5_1: @escaping Tiles32,
        q8_0: @escaping Tiles32, q4_0Groups: @escaping TilesK, q5_0Groups: @escaping TilesK, q4_K: @escaping TilesK, q5_K: @escaping TilesK,
        q6_K: @escaping TilesK, q4_KGroups: @escaping TilesK, q6_KGroups: @escaping TilesK, float: @escaping TilesF, quantizeQ8: @escaping Q8, quantizeQ8K: @escaping Q8K,
        attendHead: @escaping Head
    ) {
        self.name = name
        self.q4_0 = q4_0
        self.q4_1 = q4_1
        self.q5_0 = q5_0
        self.q5_1 = q5_1
        self.q8_0 = q8_0
        self.q4_0Groups = q4_0Groups
        self.q5_0Groups = q5_0Groups
        self.q4_K = q4_K
        self.q5_K = q5_K
        self.q6_K = q6_K
        self.q4_KGroups = q4_KGroups
        self.q6_KGroups = q6_KGroups
        self.float = float
        self.quantizeQ8 = quantizeQ8
        self.quantizeQ8K = quantizeQ8K
        self.attendHead = attendHead
    }
}
