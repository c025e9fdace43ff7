#if canImport(Glibc)
    import Glibc
#endif
@testable import LlamaSwiftEngine

/// Writes small GGUF files for tests, byte by byte, so that corrupt variants can be made
/// by editing known offsets.
struct GGUFBuilder {
    var version: UInt32 = 3
    var kv: [(String, UInt32, [UInt8])] = []
    var tensors: [(name: String, dims: [UInt64], type: UInt32, data: [UInt8])] = []
    var alignment = 32

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func str(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }

    mutating func add(_ key: String, u32 v: UInt32) { kv.append((key, 4, Self.le(v))) }
    mutating func add(_ key: String, f32 v: Float) { kv.append((key, 6, Self.le(v.bitPattern))) }
    mutating func add(_ key: String, string v: String) { kv.append((key, 8, Self.str(v))) }
    mutating func add(_ key: String, bool v: Bool) { kv.append((key, 7, [v ? 1 : 0])) }
    mutating func add(_ key: String, strings v: [String]) {
        kv.append((key, 9, Self.le(UInt32(8)) + Self.le(UInt64(v.count)) + v.flatMap { Self.str($0) }))
    }
    mutating func add(_ key: String, floats v: [Float]) {
        kv.append((key, 9, Self.le(UInt32(6)) + Self.le(UInt64(v.count)) + v.flatMap { Self.le($0.bitPattern) }))
    }
    mutating func add(_ key: String, i32s v: [Int32]) {
        kv.append((key, 9, Self.le(UInt32(5)) + Self.le(UInt64(v.count)) + v.flatMap { Self.le($0) }))
    }
    mutating func addTensor(_ name: String, dims: [UInt64], type: UInt32 = 0, data: [UInt8]) {
        tensors.append((name, dims, type, data))
    }
    /// An F32 tensor from floats.
    mutating func addTensor(_ name: String, dims: [UInt64], floats: [Float]) {
        addTensor(name, dims: dims, type: 0, data: floats.flatMap { Self.le($0.bitPattern) })
    }

    /// The file's bytes, and the offsets of interesting fields for corruption tests.
    func build() -> (bytes: [UInt8], tensorInfoOffset: Int, dataOffset: Int) {
        var b: [UInt8] =
            Array("GGUF".utf8) + Self.le(version) + Self.le(UInt64(tensors.count)) + Self.le(UInt64(kv.count))
        for (k, t, v) in kv { b += Self.str(k) + Self.le(t) + v }
        let infoOffset = b.count
        var offsets: [UInt64] = []
        var off: UInt64 = 0
        for t in tensors {
            offsets.append(off)
            off += UInt64(t.data.count)
            off = (off + UInt64(alignment) - 1) / UInt64(alignment) * UInt64(alignment)
        }
        for (i, t) in tensors.enumerated() {
            b +=
                Self.str(t.name) + Self.le(UInt32(t.dims.count)) + t.dims.flatMap { Self.le($0) } + Self.le(t.type)
                + Self.le(offsets[i])
        }
        while b.count % alignment != 0 { b.append(0) }
        let dataOffset = b.count
        for (i, t) in tensors.enumerated() {
            while b.count < dataOffset + Int(offsets[i]) { b.append(0) }
            b += t.data
        }
        return (b, infoOffset, dataOffset)
    }
}

/// A temporary file holding `bytes`, removed by `remove()`.
struct TempFile {
    let path: String
    init(_ bytes: [UInt8], name: String = "t") {
        var template = Array("/tmp/llamaswift-test-\(name)-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
    func remove() { unlink(path) }
}

/// Where the repository's fetched data lives (relative to this file).
enum TestPaths {
    static var root: String {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)  // Tests/LlamaSwiftTests/Support/GGUFBuilder.swift
        return parts.joined(separator: "/")
    }
    static var model: String { root + "/models/SmolLM2-135M-Instruct.Q4_1.gguf" }
    static var vocab: String { root + "/testdata/vocab" }
    static var fixtures: String { root + "/Tests/Fixtures" }

    static func exists(_ path: String) -> Bool { access(path, R_OK) == 0 }
}
