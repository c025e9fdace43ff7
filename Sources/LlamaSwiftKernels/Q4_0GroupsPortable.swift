// Q4_0Groups in the baseline build: portable SIMD, the same exact sums and float steps.
#if !LLAMASWIFT_AVX2
    extension Q4_0Groups {
        /// Σ (n − 8)·x of block b for the 8 rows, exact: Q4_1's Σ n·x (same nibble layout)
        /// minus 8·Σx.
        @inline(__always)
        static func blockSums(_ q: UnsafeRawPointer, _ x: UnsafePointer<Int8>, _ sum: Int32) -> SIMD8<Int32> {
            Q4_1Groups.nibbleSums(q, x) &- SIMD8(repeating: sum << 3)
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
