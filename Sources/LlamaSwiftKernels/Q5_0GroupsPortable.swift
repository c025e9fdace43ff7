// Q5_0Groups in the baseline build: portable SIMD, the same exact sums and float steps.
#if !LLAMASWIFT_AVX2
    extension Q5_0Groups {
        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            let xs = x.assumingMemoryBound(to: Int8.self)
            var acc = SIMD8<Float>()
            for b in 0..<nb {
                let blk = g + 176 * b, xb = xs + 32 * b
                var isum = SIMD8<Int32>()
                let rowShift = SIMD8<UInt32>(0, 4, 8, 12, 16, 20, 24, 28)
                for j in 0..<4 {
                    let v = (blk + 16 + 32 * j).loadUnaligned(as: SIMD8<UInt32>.self)
                    // Row r's 4 fifth bits of this chunk: bits 4r…4r+3 of each mask.
                    let loBits = SIMD8<Int32>(
                        truncatingIfNeeded: (SIMD8(
                            repeating: blk.loadUnaligned(fromByteOffset: 144 + 8 * j, as: UInt32.self)) &>> rowShift)
                            & 0xF)
                    let hiBits = SIMD8<Int32>(
                        truncatingIfNeeded: (SIMD8(
                            repeating: blk.loadUnaligned(fromByteOffset: 148 + 8 * j, as: UInt32.self)) &>> rowShift)
                            & 0xF)
                    for k in 0..<4 {
                        let byte = SIMD8<Int32>(truncatingIfNeeded: (v &>> UInt32(8 * k)) & 0xFF)
                        let lo = (byte & 0xF) | (((loBits &>> Int32(k)) & 1) &<< 4)
                        let hi = (byte &>> 4) | (((hiBits &>> Int32(k)) & 1) &<< 4)
                        isum &+= lo &* Int32(xb[4 * j + k]) &+ hi &* Int32(xb[16 + 4 * j + k])
                    }
                }
                isum &-= SIMD8(repeating: sums[b] << 4)
                let dw = halves8(blk)
                acc.addProduct(SIMD8<Float>(isum), dw * d[b])
            }
            for r in 0..<8 { out[r] = acc[r] }
        }
    }
#endif
