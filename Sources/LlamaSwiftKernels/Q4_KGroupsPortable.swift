// Q4_KGroups in the baseline build: portable SIMD, the same exact sums and float steps.
#if !LLAMASWIFT_AVX2
    extension Q4_KGroups {
        @inline(__always)
        static func bytesToLanes(_ p: UnsafeRawPointer) -> SIMD8<Int32> {
            SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(as: SIMD8<UInt8>.self))
        }

        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ bsums: UnsafePointer<Int32>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            let xs = x.assumingMemoryBound(to: Int8.self)
            var sum = SIMD8<Float>()
            for b in 0..<nb {
                let blk = g + b * groupBlockBytes, xb = xs + 256 * b
                var s1 = SIMD8<Int32>(), s2 = SIMD8<Int32>()
                for c in 0..<4 {
                    var lo = SIMD8<Int32>(), hi = SIMD8<Int32>()
                    for k in 0..<8 {
                        let v = (blk + 160 + 256 * c + 32 * k).loadUnaligned(as: SIMD8<UInt32>.self)
                        for kk in 0..<4 {
                            let byte = SIMD8<Int32>(truncatingIfNeeded: (v &>> UInt32(8 * kk)) & 0xFF)
                            lo &+= (byte & 0xF) &* Int32(xb[64 * c + 4 * k + kk])
                            hi &+= (byte &>> 4) &* Int32(xb[64 * c + 32 + 4 * k + kk])
                        }
                    }
                    s1 &+= lo &* bytesToLanes(blk + 32 + 16 * c) &+ hi &* bytesToLanes(blk + 40 + 16 * c)
                }
                let bs = bsums + 16 * b
                for j in 0..<8 {
                    var m = SIMD8<Int32>()
                    for r in 0..<8 {
                        m[r] = Int32(blk.load(fromByteOffset: 96 + 16 * (j / 2) + 2 * r + j % 2, as: UInt8.self))
                    }
                    s2 &+= m &* (bs[2 * j] &+ bs[2 * j + 1])
                }
                let dw = halves8(blk) * d[b], dmin = halves8(blk + 16) * d[b]
                sum = sum + (dw * SIMD8<Float>(s1) - dmin * SIMD8<Float>(s2))
            }
            for r in 0..<8 { out[r] = sum[r] }
        }
    }
#endif
