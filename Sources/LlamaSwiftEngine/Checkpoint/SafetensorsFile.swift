import LlamaSwiftFormats

/// A parsed safetensors file, memory-mapped; tensors are read in place from the mapping.
///
/// Layout (the format's definition, huggingface/safetensors README): u64 little-endian N;
/// N bytes of UTF-8 JSON — an object mapping each tensor name to
/// `{"dtype": "F32", "shape": [rows, cols], "data_offsets": [begin, end]}` plus an optional
/// `"__metadata__"` object of strings; then the data section, where a tensor's bytes are
/// `[8 + N + begin, 8 + N + end)`, row-major (the last dimension contiguous).
///
/// Everything is validated before any tensor is used, like the GGUF reader (GGUFFile):
/// N at most 100 MB (the format's own limit) and within the file; the header strict JSON
/// (JSONParser: depth and syntax); per tensor a known dtype, a shape of at most 4
/// non-negative dimensions whose element count cannot overflow, `begin <= end` within the
/// data section, `end - begin` equal to elements × element size, and no two tensors
/// sharing bytes. Errors are FORMAT (UNSUPPORTED for a dtype the engine does not compute
/// with, naming it), never a trap.
public final class SafetensorsFile: @unchecked Sendable {
    /// The dtypes of the format. The engine computes with F32, F16 and BF16.
    public enum DType: String, Sendable, CaseIterable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8"
        case bool = "BOOL", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

        public var size: Int {
            switch self {
            case .f64, .i64, .u64: 8
            case .f32, .i32, .u32: 4
            case .f16, .bf16, .i16, .u16: 2
            case .i8, .u8, .bool, .f8e4m3, .f8e5m2: 1
            }
        }

        /// The GGUF weight type holding the same bits, for the dtypes the engine reads.
        public var weightType: WeightType? {
            switch self {
            case .f32: .f32
            case .f16: .f16
            case .bf16: .bf16
            default: nil
            }
        }
    }

    public struct Tensor: Sendable {
        public let name: String
        public let dtype: DType
        /// Row-major shape as written (shape[0] the outermost: rows for a matrix).
        public let shape: [Int]
        /// Offset of the data from the start of the file.
        public let fileOffset: Int
        public let byteCount: Int
        public var elementCount: Int { shape.reduce(1, *) }
    }

    public let file: MappedFile
    /// 8 + N: where the data section starts.
    public let dataOffset: Int
    /// Tensors in order of their data offsets.
    public let tensors: [Tensor]
    public let index: [String: Int]

    /// The format's limit on the header length.
    static let maxHeaderBytes = 100_000_000

    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    public init(file: MappedFile) throws {
        self.file = file
        let name = "'\(file.path)'"
        guard file.size >= 8 else {
            throw LlamaError.format("\(name): \(file.size) bytes is too short for a safetensors header (8 bytes)")
        }
        let n = UInt64(littleEndian: file.base.loadUnaligned(as: UInt64.self))
        guard n >= 2, n <= UInt64(Self.maxHeaderBytes) else {
            throw LlamaError.format(
                "\(name): safetensors header length \(n) is out of range (2 to \(Self.maxHeaderBytes))")
        }
        guard Int(n) <= file.size - 8 else {
            throw LlamaError.format(
                "\(name): safetensors header length \(n) runs past the end of the file (\(file.size) bytes)")
        }
        dataOffset = 8 + Int(n)
        let header = try JSONParser.parse(
            UnsafeRawBufferPointer(start: file.base + 8, count: Int(n)), what: "\(name) (safetensors header)")
        guard let members = header.object?.members else {
            throw LlamaError.format("\(name): the safetensors header is not a JSON object")
        }
        let dataSize = file.size - dataOffset
        var tensors: [Tensor] = []
        for (key, v) in members where key != "__metadata__" {
            let what = "\(name): tensor '\(key)'"
            guard let o = v.object else { throw LlamaError.format("\(what) is \(v.kindName), not an object") }
            guard let ds = o["dtype"]?.string else { throw LlamaError.format("\(what) has no dtype string") }
            guard let dtype = DType(rawValue: ds) else {
                throw LlamaError.format("\(what) has an unknown dtype '\(ds)'")
            }
            guard let shapeValues = o["shape"]?.array, shapeValues.count <= 4 else {
                throw LlamaError.format("\(what) has no shape array of at most 4 dimensions")
            }
            var shape: [Int] = []
            var elements = 1
            for s in shapeValues {
                guard let d = s.integer, d >= 0, d <= Int64(Int32.max) else {
                    throw LlamaError.format(
                        "\(what): shape entry \(s.double.map { String($0) } ?? s.kindName) is out of range")
                }
                let (e, o) = elements.multipliedReportingOverflow(by: Int(d))
                guard !o, e <= dataSize else {
                    throw LlamaError.format(
                        "\(what): shape \(shape + [Int(d)]) holds more elements than the file has bytes")
                }
                elements = e
                shape.append(Int(d))
            }
            guard let off = o["data_offsets"]?.array, off.count == 2, let b = off[0].integer, let e = off[1].integer
            else { throw LlamaError.format("\(what) has no data_offsets [begin, end]") }
            guard b >= 0, b <= e, e <= Int64(dataSize) else {
                throw LlamaError.format(
                    "\(what): data_offsets [\(b), \(e)] are out of range (the data section has \(dataSize) bytes)")
            }
            // elements <= dataSize and size <= 8: no overflow.
            guard Int(e - b) == elements * dtype.size else {
                throw LlamaError.format(
                    "\(what): data_offsets [\(b), \(e)] hold \(e - b) bytes, but \(ds) \(shape) needs \(elements * dtype.size)"
                )
            }
            tensors.append(
                Tensor(name: key, dtype: dtype, shape: shape, fileOffset: dataOffset + Int(b), byteCount: Int(e - b)))
        }
        // No two tensors may share bytes (as in GGUFFile: aliasing ranges would be read,
        // converted or copied once per tensor).
        tensors.sort { ($0.fileOffset, $0.byteCount) < ($1.fileOffset, $1.byteCount) }
        for (a, b) in zip(tensors, tensors.dropFirst()) where a.byteCount > 0 && b.byteCount > 0 {
            guard a.fileOffset + a.byteCount <= b.fileOffset else {
                throw LlamaError.format(
                    "\(name): tensors '\(a.name)' and '\(b.name)' overlap (data_offsets share bytes)")
            }
        }
        var index: [String: Int] = [:]
        for (i, t) in tensors.enumerated() { index[t.name] = i }
        self.tensors = tensors
        self.index = index
    }

    public func tensor(named name: String) -> Tensor? { index[name].map { tensors[$0] } }

    /// The tensor's bytes in the mapping (bounds checked at parse).
    public func data(of t: Tensor) -> UnsafeRawPointer { file.base + t.fileOffset }
}
