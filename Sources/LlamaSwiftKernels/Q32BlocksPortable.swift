import LlamaSwiftFormats

#if !LLAMASWIFT_AVX2
    /// The portable block decoding (every CPU; LLVM vectorises it for the build's level).
    /// A block's 32 weights (and a token's 32 activations) are two vectors of 16-bit lanes:
    /// the first holds elements 0,2 | 4,6 | … (lane 2k = element 4k, lane 2k+1 = element
    /// 4k+2), the second elements 1,3 | 5,7 | …, i.e. the even and odd bytes of the 32
    /// elements in order, sign- or zero-extended.
    typealias WeightBlock = (SIMD16<Int16>, SIMD16<Int16>)
    typealias ActivationBlock = (SIMD16<Int16>, SIMD16<Int16>)

    /// The 32 int8 activations at `p`.
    @inline(__always)
    func activationBlock(_ p: UnsafeRawPointer) -> ActivationBlock {
        splitBytes(signed: p.loadUnaligned(as: SIMD16<Int16>.self))
    }

    extension Q32Blocks {
        /// 16-bit products of element pairs, summed pairwise into 32-bit lanes.
        @inline(__always)
        static func lanes(_ w: WeightBlock, _ x: ActivationBlock) -> SIMD8<Float> {
            laneSums(w.0, w.1, x.0, x.1)
        }
    }

    @inline(__always)
    func splitBytes(unsigned W: SIMD16<Int16>) -> (SIMD16<Int16>, SIMD16<Int16>) {
        (W & 0xFF, W &>> 8)
    }

    @inline(__always)
    func splitBytes(signed W: SIMD16<Int16>) -> (SIMD16<Int16>, SIMD16<Int16>) {
        ((W &<< 8) &>> 8, W &>> 8)
    }

    /// The 32 nibbles of 16 bytes in element order (low nibbles are elements 0..15, high
    /// nibbles 16..31) as bytes in 16-bit lanes.
    @inline(__always)
    func nibbles(_ p: UnsafeRawPointer) -> SIMD16<Int16> {
        let q = p.loadUnaligned(as: SIMD16<UInt8>.self)
        return unsafeBitCast(SIMD32<UInt8>(lowHalf: q & 0xF, highHalf: q &>> 4), to: SIMD16<Int16>.self)
    }

    /// The 32 fifth bits of a Q5 block (bit j of qh is element j's) as 0x10 in each byte.
    @inline(__always)
    func fifthBits(_ qh: UInt32) -> SIMD16<Int16> {
        // Byte j of the result gets bit j of qh: byte j/8 of qh spread over 8 bytes, one bit
        // tested per byte (x is 0 or a power of two: (x − 1) >> 7 is 1 exactly when x = 0).
        let q = unsafeBitCast(qh, to: SIMD4<UInt8>.self)
        var v = SIMD32<UInt8>()
        for j in 0..<32 { v[j] = q[j >> 3] }
        let bit = SIMD32<UInt8>(
            1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
            1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128)
        let zero = ((v & bit) &- 1) &>> 7
        return unsafeBitCast((zero ^ 1) &<< 4, to: SIMD16<Int16>.self)
    }

    enum Q4_0Blocks: Q32Blocks {
        static var bytes: Int { WeightType.q4_0.blockBytes }
        static var hasMin: Bool { false }
        @inline(__always)
        static func weights(_ blk: UnsafeRawPointer) -> WeightBlock {
            let (l, h) = splitBytes(unsigned: nibbles(blk + 2))
            return (l &- 8, h &- 8)
        }
    }

    enum Q4_1Blocks: Q32Blocks {
        static var bytes: Int { WeightType.q4_1.blockBytes }
        static var hasMin: Bool { true }
        @inline(__always)
        static func weights(_ blk: UnsafeRawPointer) -> WeightBlock {
            splitBytes(unsigned: nibbles(blk + 4))
        }
    }

    enum Q5_0Blocks: Q32Blocks {
        static var bytes: Int { WeightType.q5_0.blockBytes }
        static var hasMin: Bool { false }
        @inline(__always)
        static func weights(_ blk: UnsafeRawPointer) -> WeightBlock {
            let W = nibbles(blk + 6) | fifthBits(blk.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            let (l, h) = splitBytes(unsigned: W)
            return (l &- 16, h &- 16)
        }
    }

    enum Q5_1Blocks: Q32Blocks {
        static var bytes: Int { WeightType.q5_1.blockBytes }
        static var hasMin: Bool { true }
        @inline(__always)
        static func weights(_ blk: UnsafeRawPointer) -> WeightBlock {
            let W = nibbles(blk + 8) | fifthBits(blk.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            return splitBytes(unsigned: W)
        }
    }

    enum Q8_0Blocks: Q32Blocks {
        static var bytes: Int { WeightType.q8_0.blockBytes }
        static var hasMin: Bool { false }
        @inline(__always)
        static func weights(_ blk: UnsafeRawPointer) -> WeightBlock {
            splitBytes(signed: blk.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int16>.self))
        }
    }

    /// The 8 lane sums of one block: 16-bit products of the element pairs (exact: |w| ≤ 128
    /// and |x| ≤ 127 keep each pair sum within ±32512), then the two 16-bit halves of each
    /// 32-bit lane added with sign, then converted to float.
    @inline(__always)
    func laneSums(_ wl: SIMD16<Int16>, _ wh: SIMD16<Int16>, _ xl: SIMD16<Int16>, _ xh: SIMD16<Int16>) -> SIMD8<Float> {
        let P = unsafeBitCast(wl &* xl &+ wh &* xh, to: SIMD8<Int32>.self)
        return exactFloat(((P &<< 16) &>> 16) &+ (P &>> 16))
    }

    /// Int32 lanes to Float, exactly, for |v| < 2^22 (lane sums are at most 65,024): adding
    /// v to the bits of 1.5·2^23 gives the float 1.5·2^23 + v, and subtracting 1.5·2^23
    /// leaves v. Two vector instructions; the standard library's generic SIMD conversion
    /// compiles to scalar code (it was 12% of all instructions of a decode).
    @inline(__always)
    func exactFloat(_ v: SIMD8<Int32>) -> SIMD8<Float> {
        let magic: Float = 12_582_912  // 1.5 · 2^23, bits 0x4B40_0000
        let bits = v &+ SIMD8<Int32>(repeating: 0x4B40_0000)
        return unsafeBitCast(bits, to: SIMD8<Float>.self) - SIMD8<Float>(repeating: magic)
    }

    /// No hint in the portable build (its target may lack one; it is not the fast path).
    @inline(__always)
    func prefetchAhead(_ p: UnsafeRawPointer) {}
#endif
