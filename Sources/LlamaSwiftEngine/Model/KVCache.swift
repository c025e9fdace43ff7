import LlamaSwiftFormats
import LlamaSwiftKernels

/// The element type of the K or of the V cache (llama.cpp's `--cache-type-k/-v`).
public enum KVCacheType: Sendable, Equatable, CustomStringConvertible {
    /// 4 bytes an element (tiny F32 models: the default when the attention weights are F32).
    case f32
    /// IEEE half, 2 bytes an element (the default).
    case f16
    /// Blocks of 32 elements, an F16 scale and 32 int8 (8.5 bits an element: Q8_0Rows).
    /// The head dimension must be a multiple of 32.
    case q8_0

    /// llama.cpp's names: "f32", "f16", "q8_0".
    public var description: String {
        switch self {
        case .f32: "f32"
        case .f16: "f16"
        case .q8_0: "q8_0"
        }
    }

    public init?(name: String) {
        switch name.lowercased() {
        case "f32": self = .f32
        case "f16": self = .f16
        case "q8_0": self = .q8_0
        default: return nil
        }
    }

    /// Bytes of a row of n elements (n a multiple of 32 for Q8_0).
    func rowBytes(_ n: Int) -> Int {
        switch self {
        case .f32: 4 * n
        case .f16: 2 * n
        case .q8_0: n / 32 * Q8_0Rows.blockBytes
        }
    }

    /// The attention kernels' row format (F32 caches take another path: AttentionKernels.head).
    var rowFormat: KVRowFormat { self == .q8_0 ? .q8_0 : .f16 }

    /// Writes n floats as a row of this type.
    func store(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ n: Int) {
        switch self {
        case .f32: dst.assumingMemoryBound(to: Float.self).update(from: src, count: n)
        case .f16: AttentionKernels.storeF16(dst.assumingMemoryBound(to: UInt16.self), src, n)
        case .q8_0: Q8_0Rows.quantize(src, dst, n)
        }
    }

    /// Reads a row of n elements of this type as floats.
    func load(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        switch self {
        case .f32: dst.update(from: src.assumingMemoryBound(to: Float.self), count: n)
        case .f16:
            let h = src.assumingMemoryBound(to: UInt16.self)
            for j in 0..<n { dst[j] = halfToFloat(h[j]) }
        case .q8_0: Q8_0Rows.dequantize(src, dst, n)
        }
    }
}

/// The keys and values of every past position, per layer: K and V rows of
/// n_head_kv·head_dim elements at each position, each cache of its own type (F16 by
/// default; F32; Q8_0, each head's row a whole number of 32-element blocks). Allocated
/// once when the session is created, for n_ctx positions.
final class KVCache {
    let keyType: KVCacheType
    let valueType: KVCacheType
    let layers: Int
    let contextLength: Int
    let width: Int
    let keyRowBytes: Int
    let valueRowBytes: Int
    /// Per layer: contextLength K rows, then contextLength V rows.
    private let storage: UnsafeMutableRawPointer
    let bytes: Int

    init(layers: Int, contextLength: Int, width: Int, keyType: KVCacheType, valueType: KVCacheType) throws {
        self.keyType = keyType
        self.valueType = valueType
        self.layers = layers
        self.contextLength = contextLength
        self.width = width
        keyRowBytes = keyType.rowBytes(width)
        valueRowBytes = valueType.rowBytes(width)
        var total = keyRowBytes + valueRowBytes
        for f in [layers, contextLength] {
            let (v, o) = total.multipliedReportingOverflow(by: f)
            guard !o else { throw LlamaError(.outOfMemory, "KV cache size overflows (n_ctx \(contextLength))") }
            total = v
        }
        bytes = total
        let p: UnsafeMutablePointer<UInt8> = try Syscalls.allocate(
            UInt8.self, count: total, what: "the KV cache (n_ctx \(contextLength))")
        storage = UnsafeMutableRawPointer(p)
    }

    deinit { Syscalls.deallocate(storage.assumingMemoryBound(to: UInt8.self)) }

    /// Start of the K (`values == false`) or V rows of `layer`.
    func rows(layer: Int, values: Bool) -> UnsafeMutableRawPointer {
        storage + layer * contextLength * (keyRowBytes + valueRowBytes) + (values ? contextLength * keyRowBytes : 0)
    }

    func rowBytes(values: Bool) -> Int { values ? valueRowBytes : keyRowBytes }

    func type(values: Bool) -> KVCacheType { values ? valueType : keyType }

    /// Both caches are F32 (the per-head attention path).
    var isF32: Bool { keyType == .f32 }

    /// "K f16, V q8_0" or "f16" when both are the same.
    var typeName: String { keyType == valueType ? "\(keyType)" : "K \(keyType), V \(valueType)" }
}
