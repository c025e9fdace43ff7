// RowGroupKernels in the baseline build: what the AVX2 files write per layout.
#if !LLAMASWIFT_AVX2
    /// The portable builds: 4 tokens are 4 single-token passes (the same sums), and the 8
    /// rows' half-precision scales at p as floats.
    extension RowGroupKernels {
        @inline(__always)
        static func group8x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<BlockSum>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            for t in 0..<4 { group8x1(g, nb, x + t * cols, d + t * nb, sums + t * nb * sumsPerBlock, out + t * ldo) }
        }

        @inline(__always)
        static func halves8(_ p: UnsafeRawPointer) -> SIMD8<Float> {
            var v = SIMD8<Float>()
            for r in 0..<8 { v[r] = halfToFloat(p.loadUnaligned(fromByteOffset: 2 * r, as: UInt16.self)) }
            return v
        }
    }
#endif
