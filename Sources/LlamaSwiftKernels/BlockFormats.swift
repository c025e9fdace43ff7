/// Block layouts of the quantized ggml types (facts of the GGUF format; all little-endian,
/// `half` is an IEEE binary16 scale):
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
/// beside their decoders.
public enum BlockFormat {
    public static let q4_0Bytes = 18
    public static let q4_1Bytes = 20
    public static let q5_0Bytes = 22
    public static let q5_1Bytes = 24
    public static let q8_0Bytes = 34
    public static let q4_KBytes = 144
    public static let q5_KBytes = 176
    public static let q6_KBytes = 210
}

@inline(__always)
func loadHalf(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    halfToFloat(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
}

/// The 6-bit scale and min of sub-block j (0..<8) of a Q4_K/Q5_K block, packed in 12
/// bytes: j < 4 in the low 6 bits of bytes j and j+4; j ≥ 4 in the nibbles of byte j+4
/// with the top 2 bits taken from bytes j−4 and j.
@inline(__always)
func kScaleMin(_ s: UnsafePointer<UInt8>, _ j: Int) -> (Int32, Int32) {
    if j < 4 {
        return (Int32(s[j] & 63), Int32(s[j + 4] & 63))
    }
    let sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4)
    let m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4)
    return (Int32(sc), Int32(m))
}
