#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Saving and restoring a session: its tokens, the KV cache up to its position, and the
/// logits of its last decode, so that a restored session continues with exactly the
/// logits the original would produce.
///
/// Layout (little-endian, no padding):
///
///     offset  size  field
///     0       8     magic "LSWSTATE"
///     8       4     format version (1)
///     12      8     model fingerprint (Model.fingerprint)
///     20      4     n_vocab
///     24      4     n_layer
///     28      4     KV row width (n_head_kv · head_dim)
///     32      4     KV element types: K's in the low byte, V's in the next (0 = the
///                   same as K's); 1 = F32, 2 = F16, 3 = Q8_0 (so F16 K and V, the only
///                   state before 0.6, is still 2)
///     36      4     RoPE scaling kind (1 none, 2 linear, 3 dynamic)
///     40      8     RoPE base (f64)
///     48      8     RoPE scaling factor (f64)
///     56      4     RoPE original context
///     60      4     position P (tokens in the cache)
///     64      4     logits rows R
///     68      4·P   tokens (i32)
///     …       4·R·n_vocab  logits (f32)
///     …       per layer: K rows then V rows, P rows each, a row width elements of its
///             type (Q8_0: width/32 blocks of 34 bytes)
///     end−8   8     checksum (StreamHash of every byte before it)
///
/// The cache's keys were rotated with the saving session's RoPE settings, so a session
/// with other settings (or another KV type, or another model) cannot take the state: a
/// state is not converted between cache types (INVALID_ARGUMENT names both).
/// The header's KV element-type word (offset 32).
enum KVStateCode {
    static func code(_ t: KVCacheType) -> UInt32 {
        switch t {
        case .f32: 1
        case .f16: 2
        case .q8_0: 3
        }
    }

    static func type(_ c: UInt32) -> KVCacheType? {
        switch c {
        case 1: .f32
        case 2: .f16
        case 3: .q8_0
        default: nil
        }
    }

    static func code(_ k: KVCacheType, _ v: KVCacheType) -> UInt32 { code(k) | (k == v ? 0 : code(v) << 8) }

    static func types(_ c: UInt32) -> (KVCacheType, KVCacheType)? {
        guard c >> 16 == 0, let k = type(c & 0xff) else { return nil }
        if c >> 8 == 0 { return (k, k) }
        guard let v = type(c >> 8) else { return nil }
        return (k, v)
    }
}

enum SessionStateFormat {
    static let magic: [UInt8] = Array("LSWSTATE".utf8)
    static let version: UInt32 = 1
    static let headerBytes = 68
}

extension Session {
    private var ropeKind: UInt32 {
        switch rope.scaling {
        case .none: return 1
        case .linear: return 2
        case .dynamic: return 3
        }
    }

    private var ropeOriginalContext: UInt32 {
        if case .dynamic(_, let c) = rope.scaling { return UInt32(truncatingIfNeeded: c) }
        return 0
    }

    private var kvElementCode: UInt32 { KVStateCode.code(cache.keyType, cache.valueType) }

    private var savedLogitsRows: Int { logitsCount }

    /// Bytes `saveState` produces for the session as it is now.
    public var stateSize: Int {
        let p = position, v = config.vocabularySize
        return SessionStateFormat.headerBytes + 4 * p + 4 * savedLogitsRows * v
            + cache.layers * p * (cache.keyRowBytes + cache.valueRowBytes) + 8
    }

    /// Writes the state as a series of byte chunks to `sink` (in order; the checksum last).
    public func saveState(to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var hash = StreamHash()
        func emit(_ bytes: UnsafeRawBufferPointer) throws {
            hash.update(bytes)
            try sink(bytes)
        }
        var header = [UInt8]()
        header.reserveCapacity(SessionStateFormat.headerBytes)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { header.append(contentsOf: $0) } }
        header.append(contentsOf: SessionStateFormat.magic)
        put(SessionStateFormat.version)
        put(model.fingerprint)
        put(UInt32(config.vocabularySize))
        put(UInt32(cache.layers))
        put(UInt32(cache.width))
        put(kvElementCode)
        put(ropeKind)
        put(rope.base.bitPattern)
        put(rope.scaling.factor.bitPattern)
        put(ropeOriginalContext)
        put(UInt32(position))
        put(UInt32(savedLogitsRows))
        try header.withUnsafeBytes { try emit($0) }
        try tokens.withUnsafeBytes { try emit($0) }
        if savedLogitsRows > 0 {
            try emit(UnsafeRawBufferPointer(start: logits.pointer, count: 4 * savedLogitsRows * config.vocabularySize))
        }
        for layer in 0..<cache.layers {
            for values in [false, true] {
                try emit(
                    UnsafeRawBufferPointer(
                        start: cache.rows(layer: layer, values: values),
                        count: position * cache.rowBytes(values: values)))
            }
        }
        try withUnsafeBytes(of: hash.finish().littleEndian) { try sink($0) }
    }

    /// Copies the state into `buffer`, which must hold `stateSize` bytes; returns that size.
    public func saveState(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let need = stateSize
        guard let base = buffer.baseAddress, buffer.count >= need else {
            throw LlamaError(.bufferTooSmall, "buffer of \(buffer.count) bytes is too small: the state needs \(need)")
        }
        var at = 0
        try saveState { chunk in
            guard let src = chunk.baseAddress, chunk.count > 0 else { return }
            guard at + chunk.count <= need else { throw LlamaError(.internalError, "session state grew while saving") }
            (base + at).copyMemory(from: src, byteCount: chunk.count)
            at += chunk.count
        }
        return at
    }

    /// Writes the state to `path` (through a temporary file renamed into place, so a
    /// failed save leaves an existing file untouched).
    public func saveState(toFile path: String) throws {
        let tmp = path + ".partial"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LlamaError(.io, "cannot create '\(tmp)': \(Syscalls.errnoText(errno))") }
        var ok = false
        defer {
            if !ok {
                close(fd)
                unlink(tmp)
            }
        }
        try saveState { chunk in
            var off = 0
            while off < chunk.count {
                let r = write(fd, chunk.baseAddress! + off, chunk.count - off)
                if r < 0 {
                    if errno == EINTR { continue }
                    throw LlamaError(.io, "cannot write '\(tmp)': \(Syscalls.errnoText(errno))")
                }
                off += r
            }
        }
        guard fsync(fd) == 0 else { throw LlamaError(.io, "cannot sync '\(tmp)': \(Syscalls.errnoText(errno))") }
        ok = true
        guard close(fd) == 0 else {
            unlink(tmp)
            throw LlamaError(.io, "cannot close '\(tmp)': \(Syscalls.errnoText(errno))")
        }
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw LlamaError(.io, "cannot rename '\(tmp)' to '\(path)': \(Syscalls.errnoText(e))")
        }
    }

    /// Restores a state made by `saveState`. Everything is checked before anything
    /// changes: on any error the session is as before the call.
    /// Errors: FORMAT (not a state, truncated, corrupt — checksum), INVALID_ARGUMENT
    /// (saved from another model, or with another KV type or RoPE settings; more tokens
    /// than this session's n_ctx), OUT_OF_MEMORY (logits_all rows).
    public func loadState(from bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count >= SessionStateFormat.headerBytes + 8 else {
            throw LlamaError(.format, "session state of \(bytes.count) bytes is too short to be one")
        }
        func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        guard Array(UnsafeRawBufferPointer(start: base, count: 8)) == SessionStateFormat.magic else {
            throw LlamaError(.format, "not a llamaswift session state (bad magic)")
        }
        guard u32(8) == SessionStateFormat.version else {
            throw LlamaError(
                .format,
                "session state format version \(u32(8)) is not supported (this library reads \(SessionStateFormat.version))"
            )
        }
        // Sizes first (they come from the bytes: no trust), then identity, then the checksum.
        let nVocab = Int(u32(20)), layers = Int(u32(24)), width = Int(u32(28)), kvCode = u32(32)
        let p = Int(u32(60)), rows = Int(u32(64))
        guard let types = KVStateCode.types(kvCode) else {
            throw LlamaError(.format, "session state: unknown KV element types \(kvCode)")
        }
        let (kType, vType) = types
        guard width % 32 == 0 || (kType != .q8_0 && vType != .q8_0), width <= Int(Int32.max) else {
            throw LlamaError(.format, "session state: a Q8_0 KV row of \(width) elements is not whole blocks")
        }
        var expected = SessionStateFormat.headerBytes + 8
        for term in [(4, p, 1), (4 * rows, nVocab, 1), (layers, p, kType.rowBytes(width) + vType.rowBytes(width))] {
            let (a, o1) = term.0.multipliedReportingOverflow(by: term.1)
            let (b, o2) = a.multipliedReportingOverflow(by: term.2)
            let (c, o3) = expected.addingReportingOverflow(b)
            guard !o1, !o2, !o3 else { throw LlamaError(.format, "session state: sizes overflow") }
            expected = c
        }
        guard bytes.count == expected else {
            throw LlamaError(
                .format,
                "session state is \(bytes.count) bytes but its header describes \(expected): truncated or corrupt")
        }
        var hash = StreamHash()
        hash.update(UnsafeRawBufferPointer(start: base, count: bytes.count - 8))
        guard hash.finish() == u64(bytes.count - 8) else {
            throw LlamaError(.format, "session state checksum mismatch: the data is corrupt")
        }
        guard u64(12) == model.fingerprint, nVocab == config.vocabularySize, layers == cache.layers,
            width == cache.width
        else {
            throw LlamaError(.invalidArgument, "session state was saved from another model")
        }
        guard kType == cache.keyType, vType == cache.valueType else {
            throw LlamaError(
                .invalidArgument,
                "session state has a KV cache of K \(kType), V \(vType); this session's is K \(cache.keyType), "
                    + "V \(cache.valueType) (a state is not converted between cache types)")
        }
        guard u32(36) == ropeKind, u64(40) == rope.base.bitPattern, u64(48) == rope.scaling.factor.bitPattern,
            u32(56) == ropeOriginalContext
        else {
            throw LlamaError(.invalidArgument, "session state was saved with other RoPE settings than this session's")
        }
        guard p <= contextLength else {
            throw LlamaError(
                .invalidArgument, "session state holds \(p) tokens; this session's n_ctx is \(contextLength)")
        }
        var at = SessionStateFormat.headerBytes
        var newTokens = [Int32](repeating: 0, count: p)
        newTokens.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: base + at, count: 4 * p)) }
        at += 4 * p
        if let bad = newTokens.firstIndex(where: { $0 < 0 || Int($0) >= nVocab }) {
            throw LlamaError(.format, "session state: token \(newTokens[bad]) at index \(bad) is out of range")
        }
        // Logits: all rows with logits_all, else the last row only.
        let keepRows = logitsAll ? rows : min(rows, 1)
        let logitsAt = at + 4 * (rows - keepRows) * nVocab
        at += 4 * rows * nVocab
        // The rows go to the pending buffer, which then becomes the published one: the
        // previously published buffer is kept (as the pending one) until the next decode,
        // so a pointer from llamaswift_session_logits stays readable as the header promises.
        if keepRows * nVocab > pendingLogits.count {
            pendingLogits = try ScratchBuffer(keepRows * nVocab, what: "logits of every position")
        }
        // Commit: nothing below can fail.
        if keepRows > 0 {
            UnsafeMutableRawPointer(pendingLogits.pointer).copyMemory(
                from: base + logitsAt, byteCount: 4 * keepRows * nVocab)
        }
        swap(&logits, &pendingLogits)
        for layer in 0..<cache.layers {
            for values in [false, true] {
                let used = p * cache.rowBytes(values: values)
                cache.rows(layer: layer, values: values).copyMemory(from: base + at, byteCount: used)
                at += used
            }
        }
        tokens = newTokens
        tokens.reserveCapacity(contextLength)
        logitsCount = keepRows
    }

    /// Restores a state from a file written by `saveState(toFile:)`.
    public func loadState(fromFile path: String) throws {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch let e as LlamaError where e.kind == .format {
            throw LlamaError(.format, "'\(path)' is empty: not a session state")
        }
        try loadState(from: UnsafeRawBufferPointer(start: file.base, count: file.size))
    }
}
