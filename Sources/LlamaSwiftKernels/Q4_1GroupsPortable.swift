// Q4_1Groups in the baseline build: portable SIMD, the same exact sums and float steps.
#if !LLAMASWIFT_AVX2
    extension Q4_1Groups {
        /// Σ n·x of block b for the 8 rows, exact: byte k of row r's 4-byte lane in chunk j
        /// holds elements 4j+k (low nibble) and 16+4j+k (high nibble). (Q4_0Groups' sums too.)
        @inline(__always)
        static func nibbleSums(_ q: UnsafeRawPointer, _ x: UnsafePointer<Int8>) -> SIMD8<Int32> {
            var isum = SIMD8<Int32>()
            for j in 0..<4 {
                let v = q.loadUnaligned(fromByteOffset: 32 * j, as: SIMD8<UInt32>.self)
                for k in 0..<4 {
                    let byte = SIMD8<Int32>(truncatingIfNeeded: (v &>> UInt32(8 * k)) & 0xFF)
                    isum &+= (byte & 0xF) &* Int32(x[4 * j + k]) &+ (byte &>> 4) &* Int32(x[16 + 4 * j + k])
                }
            }
            return isum
        }

        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Float>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            let xs = x.assumingMemoryBound(to: Int8.self)
            var acc = SIMD8<Float>()
            for b in 0..<nb {
                let blk = g + 160 * b
                let isum = nibbleSums(blk + 32, xs + 32 * b)
                acc.addProduct(SIMD8<Float>(isum), halves8(blk) * d[b])
                acc.addProduct(halves8(blk + 16), SIMD8(repeating: sums[b]))
            }
            for r in 0..<8 { out[r] = acc[r] }
        }
    }
#endif
