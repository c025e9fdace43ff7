#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import LlamaSwiftFormats

/// Writes a GGUF version 3 file (the layout GGUFFile reads: header, metadata, tensor
/// infos, padding to 32, tensor data each aligned to 32), streaming tensor data to the
/// file one tensor at a time. The file is written to `path + ".tmp"` and renamed at the
/// end, so a failed conversion leaves no partial output under the final name.
struct GGUFWriter {
    struct TensorEntry {
        let name: String
        /// ggml order: dims[0] the row length.
        let dims: [Int]
        let type: WeightType
        let byteCount: Int
    }

    static let alignment = 32

    /// Writes `keys` (values from `metadata`) and the tensors; `data(i, out)` fills the
    /// `byteCount` bytes of tensor i.
    static func write(
        path: String, keys: [String], metadata: [String: GGUFValue], tensors: [TensorEntry],
        data: (Int, UnsafeMutableRawPointer) throws -> Void
    ) throws {
        var h: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { h.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { h.append(contentsOf: $0) } }
        func str(_ s: [UInt8]) { u64(UInt64(s.count)); h.append(contentsOf: s) }
        u32(GGUFFile.magic)
        u32(3)
        u64(UInt64(tensors.count))
        u64(UInt64(keys.count))
        for k in keys {
            guard let v = metadata[k] else { continue }
            str(Array(k.utf8))
            try value(v, &h)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            str(Array(t.name.utf8))
            u32(UInt32(t.dims.count))
            for d in t.dims { u64(UInt64(d)) }
            u32(t.type.rawValue)
            u64(UInt64(offset))
            offsets.append(offset)
            offset += (t.byteCount + alignment - 1) / alignment * alignment
        }
        while h.count % alignment != 0 { h.append(0) }

        let tmp = path + ".tmp"
        guard let f = fopen(tmp, "wb") else {
            throw LlamaError(.io, "cannot create '\(tmp)': \(Syscalls.errnoText(errno))")
        }
        var ok = false
        defer {
            fclose(f)
            if !ok { unlink(tmp) }
        }
        func put(_ p: UnsafeRawPointer, _ n: Int) throws {
            guard n == 0 || fwrite(p, 1, n, f) == n else {
                throw LlamaError(.io, "cannot write '\(tmp)': \(Syscalls.errnoText(errno))")
            }
        }
        try h.withUnsafeBytes { try put($0.baseAddress!, $0.count) }
        let pad = [UInt8](repeating: 0, count: alignment)
        for (i, t) in tensors.enumerated() {
            let buf = UnsafeMutableRawPointer.allocate(byteCount: max(t.byteCount, 1), alignment: 64)
            defer { buf.deallocate() }
            try data(i, buf)
            try put(buf, t.byteCount)
            let rem = (alignment - t.byteCount % alignment) % alignment
            try pad.withUnsafeBytes { try put($0.baseAddress!, rem) }
        }
        guard fflush(f) == 0 else { throw LlamaError(.io, "cannot write '\(tmp)': \(Syscalls.errnoText(errno))") }
        guard rename(tmp, path) == 0 else {
            throw LlamaError(.io, "cannot rename '\(tmp)' to '\(path)': \(Syscalls.errnoText(errno))")
        }
        ok = true
    }

    /// A metadata value: its u32 type then its bytes (GGUF value types 0–12).
    static func value(_ v: GGUFValue, _ h: inout [UInt8]) throws {
        func u32(_ x: UInt32) { withUnsafeBytes(of: x.littleEndian) { h.append(contentsOf: $0) } }
        func u64(_ x: UInt64) { withUnsafeBytes(of: x.littleEndian) { h.append(contentsOf: $0) } }
        func int(_ x: UInt64, bits: Int) {
            switch bits {
            case 8: h.append(UInt8(truncatingIfNeeded: x))
            case 16: withUnsafeBytes(of: UInt16(truncatingIfNeeded: x).littleEndian) { h.append(contentsOf: $0) }
            case 32: u32(UInt32(truncatingIfNeeded: x))
            default: u64(x)
            }
        }
        let uintType: [Int: UInt32] = [8: 0, 16: 2, 32: 4, 64: 10]
        let intType: [Int: UInt32] = [8: 1, 16: 3, 32: 5, 64: 11]
        switch v {
        case .uint(let x, let bits):
            u32(uintType[bits] ?? 10)
            int(x, bits: uintType[bits] == nil ? 64 : bits)
        case .int(let x, let bits):
            u32(intType[bits] ?? 11)
            int(UInt64(bitPattern: x), bits: intType[bits] == nil ? 64 : bits)
        case .float(let x, let bits):
            if bits == 32 {
                u32(6)
                u32(Float(x).bitPattern)
            } else {
                u32(12)
                u64(x.bitPattern)
            }
        case .bool(let b):
            u32(7)
            h.append(b ? 1 : 0)
        case .string(let s):
            u32(8)
            u64(UInt64(s.count))
            h.append(contentsOf: s)
        case .array(let a):
            u32(9)
            switch a {
            case .integers(let xs, let name):
                let types: [String: (UInt32, Int)] = [
                    "u8": (0, 8), "i8": (1, 8), "u16": (2, 16), "i16": (3, 16), "u32": (4, 32), "i32": (5, 32),
                    "u64": (10, 64), "i64": (11, 64),
                ]
                let (t, bits) = types[name] ?? (11, 64)
                u32(t)
                u64(UInt64(xs.count))
                for x in xs { int(UInt64(bitPattern: x), bits: bits) }
            case .floats(let xs, let name):
                u32(name == "f64" ? 12 : 6)
                u64(UInt64(xs.count))
                for x in xs {
                    if name == "f64" { u64(x.bitPattern) } else { u32(Float(x).bitPattern) }
                }
            case .bools(let xs):
                u32(7)
                u64(UInt64(xs.count))
                for x in xs { h.append(x ? 1 : 0) }
            case .strings(let xs):
                u32(8)
                u64(UInt64(xs.count))
                for s in xs {
                    u64(UInt64(s.count))
                    h.append(contentsOf: s)
                }
            case .arrays:
                throw LlamaError.unsupported("arrays of arrays in metadata are not written")
            }
        }
    }
}
