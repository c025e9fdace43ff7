import LlamaSwiftFormats

/// What the row-group layouts (Q4_0Groups, Q5_0Groups, Q4_KGroups, Q6_KGroups) share:
/// a matrix is stored as groups of 8 rows, each group as its blocks in column order, and
/// a kernel computes one group for 1 or 4 tokens per pass (8 outputs per token), or in the
/// v4 build two adjacent groups for 4 tokens (group16x4). The layouts and kernels differ;
/// how the work is walked does not, and lives here.
protocol RowGroupKernels {
    /// Elements per block: 32 or 256.
    static var blockElements: Int { get }
    /// Bytes of one block column of a group (8 rows' blocks).
    static var groupBlockBytes: Int { get }
    /// Activation sums per block: 1 (ActivationQuantize.q8's block sums) or 16 (q8K's).
    static var sumsPerBlock: Int { get }
    /// What the kernels read per activation block: the integer Σq (Int32, `QuantizedRows.sums`)
    /// or the half-rounded d·Σq (Float, `scaledSums`: Q4_1's minimum term, as llama.cpp's Q8_1).
    associatedtype BlockSum
    static func blockSums(_ a: QuantizedRows) -> UnsafePointer<BlockSum>
    /// One group × one token: 8 outputs at `out`.
    static func group8x1(
        _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
        _ sums: UnsafePointer<BlockSum>,
        _ out: UnsafeMutablePointer<Float>)
    /// One group × 4 tokens (activation rows `cols` bytes apart, outputs `ldo` apart).
    static func group8x4(
        _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
        _ sums: UnsafePointer<BlockSum>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int)
    /// Whether `run` takes two adjacent groups at a time through `group16x4` (every
    /// row-group layout in the v4 build: one 512-bit register holds both groups' 8 row
    /// lanes, so each instruction does twice the work of group8x4's 256-bit one).
    static var pairsGroups: Bool { get }
    /// Two adjacent groups (rows 8g…8g+15; the second group's blocks `nb · groupBlockBytes`
    /// bytes after the first's) × 4 tokens: 16 outputs per token at `out`. Every row gets
    /// the same operations in the same order as in group8x4, so the same bits.
    static func group16x4(
        _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
        _ sums: UnsafePointer<BlockSum>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int)
}

extension RowGroupKernels {
    static var pairsGroups: Bool { false }

    @inline(__always)
    static func group16x4(
        _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
        _ sums: UnsafePointer<BlockSum>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
    ) {
        group8x4(g, nb, x, cols, d, sums, out, ldo)
        group8x4(g + nb * groupBlockBytes, nb, x, cols, d, sums, out + 8, ldo)
    }
}

extension RowGroupKernels where BlockSum == Int32 {
    static func blockSums(_ a: QuantizedRows) -> UnsafePointer<Int32> { a.sums }
}

extension RowGroupKernels {
    /// out[t·outStride + r] = dot(row r, token t) for r in `o.rows` (both ends multiples of
    /// 8: whole groups) and t in 0..<o.tokens, from the activations quantized in this
    /// layout's format. Prefill runs 4 tokens per pass over a group, so its blocks (≤ 50 KB
    /// for 11,008 columns) are decoded once per 4 tokens and stay in cache for the next pass.
    @inline(__always)
    static func run(_ o: MatmulOperands) {
        let a = o.quantized!
        let qs = a.values, d = a.scales, sums = blockSums(a)
        let cols = o.cols, tokens = o.tokens, out = o.out, ldo = o.outStride
        let nb = cols / blockElements, sumStride = nb * sumsPerBlock
        var g = o.rows.lowerBound / 8
        let end = o.rows.upperBound / 8
        if pairsGroups {
            while g + 2 <= end {
                let gp = o.weights + g * nb * groupBlockBytes
                var t = 0
                while t + 4 <= tokens {
                    group16x4(
                        gp, nb, UnsafeRawPointer(qs + t * cols), cols, d + t * nb, sums + t * sumStride,
                        out + t * ldo + 8 * g, ldo)
                    t += 4
                }
                while t < tokens {
                    let x = UnsafeRawPointer(qs + t * cols)
                    group8x1(gp, nb, x, d + t * nb, sums + t * sumStride, out + t * ldo + 8 * g)
                    group8x1(
                        gp + nb * groupBlockBytes, nb, x, d + t * nb, sums + t * sumStride, out + t * ldo + 8 * g + 8)
                    t += 1
                }
                g += 2
            }
        }
        for g in g..<end {
            let gp = o.weights + g * nb * groupBlockBytes
            var t = 0
            while t + 4 <= tokens {
                group8x4(
                    gp, nb, UnsafeRawPointer(qs + t * cols), cols, d + t * nb, sums + t * sumStride,
                    out + t * ldo + 8 * g, ldo)
                t += 4
            }
            while t < tokens {
                group8x1(
                    gp, nb, UnsafeRawPointer(qs + t * cols), d + t * nb, sums + t * sumStride, out + t * ldo + 8 * g)
                t += 1
            }
        }
    }

    /// Whether a matrix of `type` with `rows` rows fits groups of 8 rows of `groupType`.
    static func acceptsGroups(of groupType: WeightType) -> @Sendable (WeightType, Int) -> Bool {
        { type, rows in type == groupType && rows > 0 && rows % 8 == 0 }
    }
}
