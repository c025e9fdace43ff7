import LlamaSwiftFormats

/// The scalar reference dot products of the 32-element types (Q4_0, Q4_1, Q5_0, Q5_1,
/// Q8_0) in the file's rows, compiled in every kernel build: the tests hold each build's
/// Q32Tiles to these, bit for bit, in one process. They have the summation structure of llama.cpp's AVX2
/// kernels so that our results are not merely close to llama.cpp's but, in practice,
/// bit-identical: each block's 32 integer products are summed in 8 lanes of 4 adjacent
/// elements (exact integers), each lane converted to float and accumulated with a fused
/// multiply-add by the block's combined scale d_w·d_a; the lanes are reduced at the end
/// as ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)); the min terms of Q4_1/Q5_1 (m_w·s_a) are
/// accumulated separately, also fused, and added last.
///
/// Why it matters: activations are re-quantized to 8 bits before every matmul, so a
/// difference in the last bit of a sum can flip one rounding, and in a deep model such
/// flips compound into visibly different logits. Same order, same bits, same tokens.
public enum Q32Reference {
    @inline(__always)
    static func hsum(_ a: SIMD8<Float>) -> Float {
        ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
    }

    /// Lane sums of 4 adjacent products of 32 weights (already decoded, as Int32 pairs
    /// via the closure) and 32 activations.
    @inline(__always)
    static func lanes(_ w: (Int) -> Int32, _ x: UnsafePointer<Int8>) -> SIMD8<Float> {
        var l = SIMD8<Float>()
        for k in 0..<8 {
            let i = 4 * k
            let s =
                w(i) &* Int32(x[i]) &+ w(i + 1) &* Int32(x[i + 1]) &+ w(i + 2) &* Int32(x[i + 2]) &+ w(i + 3)
                &* Int32(x[i + 3])
            l[k] = Float(s)
        }
        return l
    }

    public static func q4_0(
        _ w: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ ad: UnsafePointer<Float>, _ nb: Int
    ) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let blk = w + WeightType.q4_0.blockBytes * b
            let qs = (blk + 2).assumingMemoryBound(to: UInt8.self)
            let xy = lanes({ i in i < 16 ? Int32(qs[i] & 0xF) &- 8 : Int32(qs[i - 16] >> 4) &- 8 }, a + 32 * b)
            acc.addProduct(SIMD8(repeating: loadHalf(blk, 0) * ad[b]), xy)
        }
        return hsum(acc)
    }

    public static func q4_1(
        _ w: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ ad: UnsafePointer<Float>, _ asum: UnsafePointer<Float>,
        _ nb: Int
    ) -> Float {
        var acc = SIMD8<Float>()
        var summs: Float = 0
        for b in 0..<nb {
            let blk = w + WeightType.q4_1.blockBytes * b
            let qs = (blk + 4).assumingMemoryBound(to: UInt8.self)
            summs.addProduct(loadHalf(blk, 2), asum[b])
            let xy = lanes({ i in i < 16 ? Int32(qs[i] & 0xF) : Int32(qs[i - 16] >> 4) }, a + 32 * b)
            acc.addProduct(SIMD8(repeating: loadHalf(blk, 0) * ad[b]), xy)
        }
        return hsum(acc) + summs
    }

    public static func q5_0(
        _ w: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ ad: UnsafePointer<Float>, _ nb: Int
    ) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let blk = w + WeightType.q5_0.blockBytes * b
            let qh = blk.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
            let qs = (blk + 6).assumingMemoryBound(to: UInt8.self)
            let xy = lanes(
                { i in
                    let nib = i < 16 ? Int32(qs[i] & 0xF) : Int32(qs[i - 16] >> 4)
                    return (nib | Int32((qh >> UInt32(i)) & 1) << 4) &- 16
                }, a + 32 * b)
            acc.addProduct(SIMD8(repeating: loadHalf(blk, 0) * ad[b]), xy)
        }
        return hsum(acc)
    }

    public static func q5_1(
        _ w: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ ad: UnsafePointer<Float>, _ asum: UnsafePointer<Float>,
        _ nb: Int
    ) -> Float {
        var acc = SIMD8<Float>()
        var summs: Float = 0
        for b in 0..<nb {
            let blk = w + WeightType.q5_1.blockBytes * b
            let qh = blk.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            let qs = (blk + 8).assumingMemoryBound(to: UInt8.self)
            summs.addProduct(loadHalf(blk, 2), asum[b])
            let xy = lanes(
                { i in
                    let nib = i < 16 ? Int32(qs[i] & 0xF) : Int32(qs[i - 16] >> 4)
                    return nib | Int32((qh >> UInt32(i)) & 1) << 4
                }, a + 32 * b)
            acc.addProduct(SIMD8(repeating: loadHalf(blk, 0) * ad[b]), xy)
        }
        return hsum(acc) + summs
    }

    public static func q8_0(
        _ w: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ ad: UnsafePointer<Float>, _ nb: Int
    ) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let blk = w + WeightType.q8_0.blockBytes * b
            let qs = (blk + 2).assumingMemoryBound(to: Int8.self)
            let xy = lanes({ i in Int32(qs[i]) }, a + 32 * b)
            acc.addProduct(SIMD8(repeating: loadHalf(blk, 0) * ad[b]), xy)
        }
        return hsum(acc)
    }
}
