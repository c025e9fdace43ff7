// Q6_KGroups in the baseline build: portable SIMD, the same exact sums and float steps.
#if !LLAMASWIFT_AVX2
    extension Q6_KGroups {
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
                var total = SIMD8<Int32>()
                for n in 0..<2 {
                    for h in 0..<2 {
                        // Sub-blocks 8n + {0, 2, 4, 6} + h.
                        var s0 = SIMD8<Int32>(), s2 = s0, s4 = s0, s6 = s0
                        for i in 0..<4 {
                            let q = blk + 144 + 96 * (8 * n + 4 * h + i)
                            let av = q.loadUnaligned(as: SIMD8<UInt32>.self)
                            let bv = q.loadUnaligned(fromByteOffset: 32, as: SIMD8<UInt32>.self)
                            let hv = q.loadUnaligned(fromByteOffset: 64, as: SIMD8<UInt32>.self)
                            for kk in 0..<4 {
                                let sh = UInt32(8 * kk)
                                let ab = SIMD8<Int32>(truncatingIfNeeded: (av &>> sh) & 0xFF)
                                let bb = SIMD8<Int32>(truncatingIfNeeded: (bv &>> sh) & 0xFF)
                                let hb = SIMD8<Int32>(truncatingIfNeeded: (hv &>> sh) & 0xFF)
                                let e = 128 * n + 16 * h + 4 * i + kk
                                s0 &+= (((ab & 0xF) | ((hb & 3) &<< 4)) &- 32) &* Int32(xb[e])
                                s2 &+= (((bb & 0xF) | (((hb &>> 2) & 3) &<< 4)) &- 32) &* Int32(xb[e + 32])
                                s4 &+= (((ab &>> 4) | (((hb &>> 4) & 3) &<< 4)) &- 32) &* Int32(xb[e + 64])
                                s6 &+= (((bb &>> 4) | (((hb &>> 6) & 3) &<< 4)) &- 32) &* Int32(xb[e + 96])
                            }
                        }
                        let s = 8 * n + h
                        @inline(__always)
                        func sc(_ k: Int) -> SIMD8<Int32> {
                            SIMD8<Int32>(truncatingIfNeeded: (blk + 16 + 8 * k).loadUnaligned(as: SIMD8<Int8>.self))
                        }
                        total &+= sc(s) &* s0 &+ sc(s + 2) &* s2 &+ sc(s + 4) &* s4 &+ sc(s + 6) &* s6
                    }
                }
                let dw = halves8(blk)
                sum = sum + (dw * d[b]) * SIMD8<Float>(total)
            }
            for r in 0..<8 { out[r] = sum[r] }
        }
    }
#endif
