import CLlamaSwift
import LlamaSwiftEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What a C handle points to: a small malloc'ed record holding a tag and a retained
/// Swift object. The tag is checked on every entry, so a wrong kind of handle, or (often)
/// one already freed, is INVALID_ARGUMENT rather than memory corruption.
struct HandleRecord {
    var tag: UInt64
    var object: UnsafeMutableRawPointer?
}

enum HandleKind: UInt64 {
    case model = 0x4C53_4D4F_4445_4C31  // "LSMODEL1"
    case session = 0x4C53_5345_5353_4E31  // "LSSESSN1"
    case sampler = 0x4C53_5341_4D50_4C31  // "LSSAMPL1"
    static let dead: UInt64 = 0xDEAD_DEAD_DEAD_DEAD
}

enum Handles {
    static func make<T: AnyObject>(_ object: T, kind: HandleKind) throws -> OpaquePointer {
        guard let raw = malloc(MemoryLayout<HandleRecord>.size) else {
            throw LlamaError(.outOfMemory, "cannot allocate a handle")
        }
        let rec = raw.bindMemory(to: HandleRecord.self, capacity: 1)
        rec.initialize(to: HandleRecord(tag: kind.rawValue, object: Unmanaged.passRetained(object).toOpaque()))
        return OpaquePointer(rec)
    }

    /// The object behind a handle, or an INVALID_ARGUMENT error naming the parameter.
    static func get<T: AnyObject>(_ handle: OpaquePointer?, _ kind: HandleKind, _ name: String, as: T.Type) throws -> T
    {
        guard let handle else { throw LlamaError(.invalidArgument, "\(name) must not be NULL") }
        let rec = UnsafeMutablePointer<HandleRecord>(handle)
        guard rec.pointee.tag == kind.rawValue, let obj = rec.pointee.object else {
            throw LlamaError(.invalidArgument, "\(name) is not a live \(kind) handle (freed, or of another kind)")
        }
        return Unmanaged<T>.fromOpaque(obj).takeUnretainedValue()
    }

    /// Same as `get` for functions that cannot report an error: nil when invalid.
    static func peek<T: AnyObject>(_ handle: OpaquePointer?, _ kind: HandleKind, as: T.Type) -> T? {
        try? get(handle, kind, "handle", as: T.self)
    }

    /// Releases the handle's reference and poisons the tag. NULL and non-handles are ignored.
    static func free<T: AnyObject>(_ handle: OpaquePointer?, _ kind: HandleKind, as: T.Type) {
        guard let handle else { return }
        let rec = UnsafeMutablePointer<HandleRecord>(handle)
        guard rec.pointee.tag == kind.rawValue, let obj = rec.pointee.object else { return }
        rec.pointee.tag = HandleKind.dead
        rec.pointee.object = nil
        Unmanaged<T>.fromOpaque(obj).release()
        Glibc.free(rec)
    }
}

/// Reads a caller's params struct of any (older or newer) size: copies the first
/// min(struct_size, what we know) bytes over the defaults. A struct_size below 4 is an
/// error; NULL means the defaults.
func readParams<T>(_ p: UnsafePointer<T>?, defaults: T, name: String) throws -> T {
    guard let p else { return defaults }
    let size = Int(UnsafeRawPointer(p).loadUnaligned(as: UInt32.self))
    guard size >= 4 else {
        throw LlamaError(
            .invalidArgument, "\(name)->struct_size is \(size); initialise it with the _default_params() function")
    }
    var out = defaults
    withUnsafeMutableBytes(of: &out) { dst in
        let n = min(size, dst.count)
        dst.baseAddress!.copyMemory(from: UnsafeRawPointer(p), byteCount: n)
        // struct_size in the copy is the caller's; keep it.
    }
    return out
}

/// Writes `value` into the first `size` bytes of a caller's struct (zeroing past what
/// we know) and sets its struct_size: the body of every `_params_init`.
func writeParams<T>(_ p: UnsafeMutablePointer<T>?, size: Int, value: T) throws {
    guard let p else { throw LlamaError(.invalidArgument, "params must not be NULL") }
    let size = try sizeArgument(size, "size")
    guard size >= 4, size <= Int(UInt32.max) else {
        throw LlamaError(.invalidArgument, "size \(size) is too small for a params struct (at least 4)")
    }
    var v = value
    let raw = UnsafeMutableRawPointer(p)
    withUnsafeBytes(of: &v) { src in
        let n = min(size, src.count)
        raw.copyMemory(from: src.baseAddress!, byteCount: n)
        if size > n { (raw + n).initializeMemory(as: UInt8.self, repeating: 0, count: size - n) }
    }
    raw.storeBytes(of: UInt32(size), as: UInt32.self)
}

/// Copies bytes into a caller's text buffer with the size-then-fill rule: *len gets the
/// length; BUFFER_TOO_SMALL unless cap ≥ length + 1; the text is NUL-terminated.
func copyOut(
    _ bytes: [UInt8], _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int, _ len: UnsafeMutablePointer<Int>?
) throws {
    let len = try required(len, "len")
    let cap = try sizeArgument(cap, "cap")
    len.pointee = bytes.count
    guard let buf, cap > bytes.count else {
        throw LlamaError(
            .bufferTooSmall, "buffer of \(cap) bytes is too small: \(bytes.count + 1) needed (with the NUL)")
    }
    bytes.withUnsafeBytes { src in
        if let b = src.baseAddress { UnsafeMutableRawPointer(buf).copyMemory(from: b, byteCount: bytes.count) }
    }
    buf[bytes.count] = 0
}
