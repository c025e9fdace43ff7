/// How the KV cache stores one row of K or V elements, for the attention kernels that
/// read it (AttentionKernels.group): F16, or Q8_0 (llama.cpp's `--cache-type-k q8_0`):
/// blocks of 32 elements, each an F16 scale d then 32 int8 quants q, element = d·q
/// (34 bytes per 32 elements, 8.5 bits each; Q8_0Rows.swift).
public enum KVRowFormat: Sendable, Equatable {
    case f16
    case q8_0

    /// Bytes of the first `n` elements of a row (n a multiple of 32 for Q8_0): also the
    /// byte offset of element n from the row's start.
    @inlinable @inline(__always)
    public func bytes(_ n: Int) -> Int {
        switch self {
        case .f16: return 2 * n
        case .q8_0: return n / 32 * 34
        }
    }
}
