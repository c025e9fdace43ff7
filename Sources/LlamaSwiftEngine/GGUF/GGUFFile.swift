/// A parsed GGUF file (versions 2 and 3): metadata, tensor table, data offset. Parsing
/// validates everything against the file size before anything is used, so that a
/// truncated, corrupt or hostile file is a FORMAT error naming what and where.
///
/// Layout (little-endian): magic "GGUF", u32 version, u64 tensor count, u64 metadata
/// count; then the metadata (key string, u32 value type, value); then per tensor its
/// name, u32 n_dims, u64 dims, u32 ggml type, u64 offset relative to the data section;
/// then padding to `general.alignment` (default 32) and the tensor data.
public final class GGUFFile: @unchecked Sendable {
    public struct TensorInfo: Sendable {
        public let name: String
        /// ggml order: dims[0] is the row length (contiguous), dims[1] the row count, …
        public let dims: [Int]
        public let type: WeightType
        /// Offset of the data from the start of the file.
        public let fileOffset: Int
        public let byteCount: Int
        /// Which of `storages` holds the data (0: the file itself).
        public var storage: Int = 0
        public var elementCount: Int { dims.reduce(1, *) }
    }

    /// Where the model came from: a GGUF file, or a Hugging Face checkpoint folder read
    /// into this same shape (CheckpointFolder): metadata under GGUF keys, tensors under
    /// GGUF names, their data in the shards' mappings or in converted copies.
    public enum Source: Sendable, Equatable {
        case gguf
        /// Q/K rows in Hugging Face's rotate-half order (no llama.cpp permutation).
        case huggingFace(folder: String)
    }

    public let file: MappedFile
    public let version: UInt32
    /// Metadata in file order, and by key.
    public let keys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [TensorInfo]
    public let tensorIndex: [String: Int]
    public let alignment: Int
    public let dataOffset: Int
    public let source: Source
    /// Base addresses tensors' `fileOffset`s count from: [the file's mapping] for a GGUF
    /// file; the shards' mappings and converted buffers for a checkpoint folder.
    public let storages: [UnsafeRawPointer]
    /// Keeps `storages` alive (mappings, buffers).
    let owners: [AnyObject]
    /// Bytes identifying the header (hashed into Model.fingerprint): the GGUF header, or
    /// the folder's JSON files and safetensors headers.
    public let headerBytes: [UInt8]

    static let magic: UInt32 = 0x4655_4747  // "GGUF" read little-endian
    /// Nested arrays deeper than this are rejected (a hostile file could recurse forever).
    static let maxArrayDepth = 8

    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    /// A model assembled from other sources (a checkpoint folder): metadata in `keys`
    /// order, tensors already validated against their storages.
    init(
        file: MappedFile, source: Source, keys: [String], metadata: [String: GGUFValue], tensors: [TensorInfo],
        storages: [UnsafeRawPointer], owners: [AnyObject], headerBytes: [UInt8]
    ) {
        self.file = file
        self.version = 3
        self.keys = keys
        self.metadata = metadata
        self.tensors = tensors
        var index: [String: Int] = [:]
        for (i, t) in tensors.enumerated() { index[t.name] = i }
        self.tensorIndex = index
        self.alignment = 32
        self.dataOffset = 0
        self.source = source
        self.storages = storages
        self.owners = owners
        self.headerBytes = headerBytes
    }

    public init(file: MappedFile) throws {
        self.file = file
        self.source = .gguf
        self.storages = [file.base]
        self.owners = [file]
        var c = GGUFCursor(base: file.base, size: file.size)
        guard file.size >= 24 else {
            throw LlamaError.format("'\(file.path)': \(file.size) bytes is too short for a GGUF header (24 bytes)")
        }
        let magic = try c.u32()
        guard magic == Self.magic else {
            throw LlamaError.format("'\(file.path)' is not a GGUF file (bad magic at offset 0)")
        }
        version = try c.u32()
        guard version == 2 || version == 3 else {
            throw LlamaError.format(
                "'\(file.path)': unsupported GGUF version \(version) at offset 4 (2 and 3 are read)")
        }
        // Each tensor info takes at least 8+4+8+4+8 bytes, each metadata pair at least
        // 8+4+1: counts beyond what the file could hold are rejected before any loop.
        let tensorCount = try c.count("tensor count", limit: file.size / 32)
        let kvCount = try c.count("metadata count", limit: file.size / 13)

        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        keys.reserveCapacity(kvCount)
        for i in 0..<kvCount {
            c.context = "metadata entry \(i)"
            let keyAt = c.offset
            let key = String(decoding: try c.string(), as: UTF8.self)
            c.context = "key '\(key)'"
            let type = try c.u32()
            let value = try Self.readValue(&c, type: type, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw LlamaError.format("duplicate metadata key '\(key)' at offset \(keyAt)")
            }
            keys.append(key)
        }
        self.keys = keys
        self.metadata = metadata

        var alignment = 32
        if let a = metadata["general.alignment"] {
            guard let v = a.integer, v > 0, v <= 1 << 16, v & (v - 1) == 0 else {
                throw LlamaError.format("general.alignment must be a power of two ≤ 65536, found \(a.rendered)")
            }
            alignment = Int(v)
        }
        self.alignment = alignment

        struct Raw { let name: String; let dims: [Int]; let type: WeightType; let offset: Int; let bytes: Int }
        var raws: [Raw] = []
        raws.reserveCapacity(tensorCount)
        var index: [String: Int] = [:]
        for i in 0..<tensorCount {
            c.context = "tensor info \(i)"
            let name = String(decoding: try c.string(), as: UTF8.self)
            c.context = "tensor '\(name)'"
            let nDimsAt = c.offset
            let nDims = try c.u32()
            guard (1...4).contains(nDims) else {
                throw LlamaError.format("tensor '\(name)': \(nDims) dimensions at offset \(nDimsAt) (1 to 4 allowed)")
            }
            var dims: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let dimAt = c.offset
                let v = try c.u64()
                guard v > 0, v <= UInt64(Int32.max) else {
                    throw LlamaError.format(
                        "tensor '\(name)': dimension \(d) = \(v) at offset \(dimAt) is out of range")
                }
                let (e, o) = elements.multipliedReportingOverflow(by: Int(v))
                guard !o, e <= file.size * 8 else {
                    throw LlamaError.format(
                        "tensor '\(name)': element count overflows or exceeds the file (dims so far \(dims + [Int(v)]))"
                    )
                }
                elements = e
                dims.append(Int(v))
            }
            let typeAt = c.offset
            let rawType = try c.u32()
            guard let type = WeightType(rawValue: rawType) else {
                throw LlamaError.unsupported("tensor '\(name)': unknown ggml type \(rawType) at offset \(typeAt)")
            }
            guard let rowBytes = type.rowBytes(dims[0]) else {
                throw LlamaError.format(
                    "tensor '\(name)': row length \(dims[0]) is not a multiple of the \(type) block size \(type.blockElements)"
                )
            }
            let (bytes, o) = rowBytes.multipliedReportingOverflow(by: elements / dims[0])
            guard !o else { throw LlamaError.format("tensor '\(name)': byte size overflows") }
            let offAt = c.offset
            let off = try c.u64()
            guard off <= UInt64(file.size) else {
                throw LlamaError.format(
                    "tensor '\(name)': data offset \(off) at offset \(offAt) is past the end of the file")
            }
            guard Int(off) % alignment == 0 else {
                throw LlamaError.format("tensor '\(name)': data offset \(off) is not aligned to \(alignment)")
            }
            guard index.updateValue(raws.count, forKey: name) == nil else {
                throw LlamaError.format("duplicate tensor name '\(name)'")
            }
            raws.append(Raw(name: name, dims: dims, type: type, offset: Int(off), bytes: bytes))
        }
        c.context = "padding before tensor data"
        if tensorCount > 0 { try c.align(to: alignment) } else { try? c.align(to: alignment) }
        dataOffset = c.offset
        tensorIndex = index
        var infos: [TensorInfo] = []
        infos.reserveCapacity(raws.count)
        for r in raws {
            // dataOffset <= size, r.offset <= size: neither sum term overflows Int.
            let start = dataOffset + r.offset
            guard start <= file.size, r.bytes <= file.size - start else {
                throw LlamaError.format(
                    "tensor '\(r.name)': data [\(start), +\(r.bytes)) runs past the end of the file (\(file.size) bytes)"
                )
            }
            infos.append(TensorInfo(name: r.name, dims: r.dims, type: r.type, fileOffset: start, byteCount: r.bytes))
        }
        // No two tensors may share bytes: writers lay tensors out one after another, and
        // a file whose tensors alias one range would be copied once per tensor at load
        // (RepackedWeights): 128 layers over one range of a 4.6 MB file cost 2 GB.
        // Empty tensors occupy nothing.
        let byStart = infos.indices.filter { infos[$0].byteCount > 0 }.sorted {
            (infos[$0].fileOffset, $0) < (infos[$1].fileOffset, $1)
        }
        for (a, b) in zip(byStart, byStart.dropFirst()) {
            let ta = infos[a], tb = infos[b]
            // Both ranges end within the file (checked above): the sum cannot overflow.
            guard ta.fileOffset + ta.byteCount <= tb.fileOffset else {
                throw LlamaError.format(
                    "tensors '\(ta.name)' (data [\(ta.fileOffset), +\(ta.byteCount))) and '\(tb.name)' (data "
                        + "[\(tb.fileOffset), +\(tb.byteCount))) overlap: each tensor must have its own bytes")
            }
        }
        tensors = infos
        headerBytes = Array(UnsafeRawBufferPointer(start: file.base, count: min(dataOffset, file.size)))
    }

    static func readValue(_ c: inout GGUFCursor, type: UInt32, depth: Int) throws -> GGUFValue {
        switch type {
        case 0: return .uint(UInt64(try c.u8()), bits: 8)
        case 1: return .int(Int64(Int8(bitPattern: try c.u8())), bits: 8)
        case 2: return .uint(UInt64(try c.u16()), bits: 16)
        case 3: return .int(Int64(Int16(bitPattern: try c.u16())), bits: 16)
        case 4: return .uint(UInt64(try c.u32()), bits: 32)
        case 5: return .int(Int64(Int32(bitPattern: try c.u32())), bits: 32)
        case 6: return .float(Double(try c.f32()), bits: 32)
        case 7:
            let at = c.offset
            let b = try c.u8()
            guard b <= 1 else { throw LlamaError.format("\(c.context): bool value \(b) at offset \(at)") }
            return .bool(b == 1)
        case 8: return .string(try c.string())
        case 9: return .array(try readArray(&c, depth: depth + 1))
        case 10: return .uint(try c.u64(), bits: 64)
        case 11: return .int(Int64(bitPattern: try c.u64()), bits: 64)
        case 12: return .float(try c.f64(), bits: 64)
        default:
            throw LlamaError.format("\(c.context): unknown value type \(type) at offset \(c.offset - 4)")
        }
    }

    static func readArray(_ c: inout GGUFCursor, depth: Int) throws -> GGUFArray {
        guard depth <= maxArrayDepth else {
            throw LlamaError.format("\(c.context): arrays nested deeper than \(maxArrayDepth) at offset \(c.offset)")
        }
        let elemType = try c.u32()
        // Every element takes at least one byte (strings and arrays 8): bound the count.
        let remaining = c.size - c.offset - 8
        let n = try c.count("array length", limit: max(remaining, 0))
        switch elemType {
        case 0, 1, 2, 3, 4, 5, 10, 11:
            let names = [0: "u8", 1: "i8", 2: "u16", 3: "i16", 4: "u32", 5: "i32", 10: "u64", 11: "i64"]
            var out: [Int64] = []
            out.reserveCapacity(min(n, remaining))
            for _ in 0..<n {
                switch try readValue(&c, type: elemType, depth: depth) {
                case .uint(let v, _): out.append(Int64(truncatingIfNeeded: v))
                case .int(let v, _): out.append(v)
                default: break
                }
            }
            return .integers(out, typeName: names[Int(elemType)] ?? "int")
        case 6, 12:
            var out: [Double] = []
            out.reserveCapacity(min(n, remaining))
            for _ in 0..<n {
                if case .float(let v, _) = try readValue(&c, type: elemType, depth: depth) { out.append(v) }
            }
            return .floats(out, typeName: elemType == 6 ? "f32" : "f64")
        case 7:
            var out: [Bool] = []
            out.reserveCapacity(min(n, remaining))
            for _ in 0..<n {
                if case .bool(let b) = try readValue(&c, type: 7, depth: depth) { out.append(b) }
            }
            return .bools(out)
        case 8:
            var out: [[UInt8]] = []
            out.reserveCapacity(min(n, remaining / 8))
            for _ in 0..<n { out.append(try c.string()) }
            return .strings(out)
        case 9:
            var out: [GGUFArray] = []
            out.reserveCapacity(min(n, remaining / 12))
            for _ in 0..<n { out.append(try readArray(&c, depth: depth + 1)) }
            return .arrays(out)
        default:
            throw LlamaError.format("\(c.context): unknown array element type \(elemType) at offset \(c.offset - 12)")
        }
    }

    public func tensor(named name: String) -> TensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// Pointer to a tensor's data inside the mapping (bounds were checked at parse).
    public func data(of t: TensorInfo) -> UnsafeRawPointer { storages[t.storage] + t.fileOffset }
}
