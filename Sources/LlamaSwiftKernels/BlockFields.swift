/// Fields of quantized blocks that several kernels read (the block layouts themselves are
/// described beside WeightType, in LlamaSwiftFormats).

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
