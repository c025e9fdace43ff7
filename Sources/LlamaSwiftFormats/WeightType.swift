/// The tensor element types a GGUF file may name (ggml's `ggml_type` ids, the raw values),
/// with their block geometry in one table (`geometry`): `blockElements` elements are
/// stored in `blockBytes` bytes. The geometry of every type is known so that any file's
/// tensor table can be validated; which types the engine multiplies is a separate
/// question, answered by the kernel builds' layout list (`KernelSet.layouts`): a type is
/// computable when some layout accepts it.
///
/// Block contents of the types the kernels read (facts of the GGUF format; little-endian,
/// `half` an IEEE binary16 scale):
///
/// | type | elements | bytes | layout | value of element i |
/// | --- | --- | --- | --- | --- |
/// | Q4_0 | 32 | 18 | half d; u8 qs[16] | (nib − 8)·d |
/// | Q4_1 | 32 | 20 | half d, half m; u8 qs[16] | nib·d + m |
/// | Q5_0 | 32 | 22 | half d; u8 qh[4]; u8 qs[16] | (nib + 16·bit − 16)·d |
/// | Q5_1 | 32 | 24 | half d, half m; u8 qh[4]; u8 qs[16] | (nib + 16·bit)·d + m |
/// | Q8_0 | 32 | 34 | half d; i8 qs[32] | q·d |
/// | Q4_K | 256 | 144 | half d, half dmin; u8 scales[12]; u8 qs[128] | d·sc·nib − dmin·m per 32 |
/// | Q5_K | 256 | 176 | half d, half dmin; u8 scales[12]; u8 qh[32]; u8 qs[128] | d·sc·q5 − dmin·m per 32 |
/// | Q6_K | 256 | 210 | u8 ql[128]; u8 qh[64]; i8 scales[16]; half d | d·sc·(q6 − 32) per 16 |
///
/// In the 32-element types, byte j of qs holds element j (low nibble) and element j+16
/// (high nibble); bit j of qh is the fifth bit of element j. The K-quants are described
/// beside their decoders (LlamaSwiftKernels/Dequantize.swift).
@frozen public enum WeightType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_XXS = 16, iq2_XS = 17, iq3_XXS = 18, iq1_S = 19, iq4_NL = 20, iq3_S = 21, iq2_S = 22, iq4_XS = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_M = 29, bf16 = 30, tq1_0 = 34, tq2_0 = 35

    /// The one table: ggml's name, elements per block, bytes per block. Inlinable, so a
    /// kernel's `WeightType.q4_0.blockBytes` is a constant in its loop.
    @inlinable public var geometry: (name: String, blockElements: Int, blockBytes: Int) {
        switch self {
        case .f32: ("F32", 1, 4)
        case .f16: ("F16", 1, 2)
        case .q4_0: ("Q4_0", 32, 18)
        case .q4_1: ("Q4_1", 32, 20)
        case .q5_0: ("Q5_0", 32, 22)
        case .q5_1: ("Q5_1", 32, 24)
        case .q8_0: ("Q8_0", 32, 34)
        case .q8_1: ("Q8_1", 32, 36)
        case .q2_K: ("Q2_K", 256, 84)
        case .q3_K: ("Q3_K", 256, 110)
        case .q4_K: ("Q4_K", 256, 144)
        case .q5_K: ("Q5_K", 256, 176)
        case .q6_K: ("Q6_K", 256, 210)
        case .q8_K: ("Q8_K", 256, 292)
        case .iq2_XXS: ("IQ2_XXS", 256, 66)
        case .iq2_XS: ("IQ2_XS", 256, 74)
        case .iq3_XXS: ("IQ3_XXS", 256, 98)
        case .iq1_S: ("IQ1_S", 256, 50)
        case .iq4_NL: ("IQ4_NL", 32, 18)
        case .iq3_S: ("IQ3_S", 256, 110)
        case .iq2_S: ("IQ2_S", 256, 82)
        case .iq4_XS: ("IQ4_XS", 256, 136)
        case .i8: ("I8", 1, 1)
        case .i16: ("I16", 1, 2)
        case .i32: ("I32", 1, 4)
        case .i64: ("I64", 1, 8)
        case .f64: ("F64", 1, 8)
        case .iq1_M: ("IQ1_M", 256, 56)
        case .bf16: ("BF16", 1, 2)
        case .tq1_0: ("TQ1_0", 256, 54)
        case .tq2_0: ("TQ2_0", 256, 66)
        }
    }

    @inlinable public var name: String { geometry.name }
    @inlinable public var blockElements: Int { geometry.blockElements }
    @inlinable public var blockBytes: Int { geometry.blockBytes }
    public var description: String { name }

    /// Bytes of one row of `n` elements, or nil if `n` is not a whole number of blocks
    /// or the size overflows.
    public func rowBytes(_ n: Int) -> Int? {
        guard n >= 0, n % blockElements == 0 else { return nil }
        let (b, o) = (n / blockElements).multipliedReportingOverflow(by: blockBytes)
        return o ? nil : b
    }
}
