/// The tensor element types a GGUF file may name (ggml's `ggml_type` ids), with their
/// block geometry: `blockSize` elements are stored in `typeSize` bytes. The geometry of
/// every type is known so that any file's tensor table can be validated; which types the
/// engine can compute with is a separate question (`isSupportedForCompute`).
public struct GGMLType: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public let name: String
    public let blockSize: Int
    public let typeSize: Int

    public static let f32 = GGMLType(0, "F32", 1, 4)
    public static let f16 = GGMLType(1, "F16", 1, 2)
    public static let q4_0 = GGMLType(2, "Q4_0", 32, 18)
    public static let q4_1 = GGMLType(3, "Q4_1", 32, 20)
    public static let q5_0 = GGMLType(6, "Q5_0", 32, 22)
    public static let q5_1 = GGMLType(7, "Q5_1", 32, 24)
    public static let q8_0 = GGMLType(8, "Q8_0", 32, 34)
    public static let q8_1 = GGMLType(9, "Q8_1", 32, 36)
    public static let q2_K = GGMLType(10, "Q2_K", 256, 84)
    public static let q3_K = GGMLType(11, "Q3_K", 256, 110)
    public static let q4_K = GGMLType(12, "Q4_K", 256, 144)
    public static let q5_K = GGMLType(13, "Q5_K", 256, 176)
    public static let q6_K = GGMLType(14, "Q6_K", 256, 210)
    public static let q8_K = GGMLType(15, "Q8_K", 256, 292)
    public static let bf16 = GGMLType(30, "BF16", 1, 2)

    /// All ids this build knows the geometry of.
    static let known: [GGMLType] = [
        .f32, .f16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K,
        GGMLType(16, "IQ2_XXS", 256, 66), GGMLType(17, "IQ2_XS", 256, 74), GGMLType(18, "IQ3_XXS", 256, 98),
        GGMLType(19, "IQ1_S", 256, 50), GGMLType(20, "IQ4_NL", 32, 18), GGMLType(21, "IQ3_S", 256, 110),
        GGMLType(22, "IQ2_S", 256, 82), GGMLType(23, "IQ4_XS", 256, 136), GGMLType(24, "I8", 1, 1),
        GGMLType(25, "I16", 1, 2), GGMLType(26, "I32", 1, 4), GGMLType(27, "I64", 1, 8),
        GGMLType(28, "F64", 1, 8), GGMLType(29, "IQ1_M", 256, 56), .bf16,
        GGMLType(34, "TQ1_0", 256, 54), GGMLType(35, "TQ2_0", 256, 66),
    ]

    /// Types the forward pass can multiply with.
    public static let computable: Set<UInt32> = [0, 1, 30, 2, 3, 6, 7, 8, 12, 13, 14]

    public var isSupportedForCompute: Bool { Self.computable.contains(rawValue) }

    init(_ raw: UInt32, _ name: String, _ blockSize: Int, _ typeSize: Int) {
        self.rawValue = raw
        self.name = name
        self.blockSize = blockSize
        self.typeSize = typeSize
    }

    /// The type with this id, or nil when the id is unknown to this build.
    public static func fromRaw(_ raw: UInt32) -> GGMLType? {
        known.first { $0.rawValue == raw }
    }

    public var description: String { name }

    /// Bytes of one row of `n` elements, or nil if `n` is not a whole number of blocks
    /// or the size overflows.
    public func rowBytes(_ n: Int) -> Int? {
        guard n >= 0, n % blockSize == 0 else { return nil }
        let (b, o) = (n / blockSize).multipliedReportingOverflow(by: typeSize)
        return o ? nil : b
    }
}
