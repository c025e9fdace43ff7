/// The keys and values of every past position, per layer: K and V rows of
/// n_head_kv·head_dim elements at each position, in F16 (default) or F32. Allocated once
/// when the session is created, for n_ctx positions.
final class KVCache {
    enum ElementType { case f16, f32 }
    let type: ElementType
    let layers: Int
    let contextLength: Int
    let width: Int
    /// layers × 2 (K, V) × contextLength × width elements.
    private let storage: UnsafeMutableRawPointer
    let bytes: Int

    init(layers: Int, contextLength: Int, width: Int, type: ElementType) throws {
        self.type = type
        self.layers = layers
        self.contextLength = contextLength
        self.width = width
        let elem = type == .f16 ? 2 : 4
        var total = 2 * elem
        for f in [layers, contextLength, width] {
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

    private var elementSize: Int { type == .f16 ? 2 : 4 }

    /// Start of the K (`v == false`) or V rows of `layer`.
    func rows(layer: Int, values: Bool) -> UnsafeMutableRawPointer {
        storage + ((layer * 2 + (values ? 1 : 0)) * contextLength * width) * elementSize
    }

    var rowBytes: Int { width * elementSize }
}
