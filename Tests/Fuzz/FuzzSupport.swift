// Shared helpers of the libFuzzer targets (compiled into each of them by scripts/fuzz.sh).
#if canImport(Glibc)
    import Glibc
#endif
import LlamaSwiftEngine

enum Fuzz {
    /// The repository root: $LLAMASWIFT_ROOT, else two folders above this file.
    static let root: String = {
        if let r = getenv("LLAMASWIFT_ROOT") { return String(cString: r) }
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// Loads a file the target needs once, or exits naming it (a setup error, not a finding).
    ///
    /// LeakSanitizer is off while the model loads: the model lives in a global for the whole
    /// run, but LSan cannot see Swift arrays held in multi-payload enums such as GGUFValue
    /// (Swift stores the case tag in the spare high bits of the payload's pointer, e.g.
    /// 0x4000_7cbc_17de_0080), so it would report the metadata arrays as direct leaks.
    static func load(_ relative: String, vocabOnly: Bool) -> Model {
        let path = root + "/" + relative
        lsanDisable()
        defer { lsanEnable() }
        do {
            return try Model(path: path, vocabOnly: vocabOnly)
        } catch {
            fputs("fuzz: cannot load \(path): \(error) (run make model testdata)\n", stderr)
            exit(2)
        }
    }

    /// An unlinked scratch file, reopened by path through /proc/self/fd (MappedFile maps
    /// paths): nothing is left behind when the fuzzer stops.
    static let scratch: (fd: Int32, path: String) = {
        let name = "/tmp/llamaswift-fuzz-\(getpid()).gguf"
        let fd = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            fputs("fuzz: cannot create \(name)\n", stderr)
            exit(2)
        }
        unlink(name)
        return (fd, "/proc/self/fd/\(fd)")
    }()

    /// Replaces the scratch file's contents with `bytes`; returns its path.
    static func writeScratch(_ data: UnsafePointer<UInt8>, _ size: Int) -> String {
        let fd = scratch.fd
        guard ftruncate(fd, 0) == 0 else { fatalError("ftruncate failed") }
        var done = 0
        while done < size {
            let n = pwrite(fd, data + done, size - done, off_t(done))
            guard n > 0 else { fatalError("pwrite failed") }
            done += n
        }
        return scratch.path
    }
}

@_silgen_name("__lsan_disable") func lsanDisable()
@_silgen_name("__lsan_enable") func lsanEnable()

/// Reads an input as a sequence of small decisions.
struct ByteReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0

    init(_ data: UnsafePointer<UInt8>, _ size: Int) { bytes = UnsafeBufferPointer(start: data, count: size) }

    var isEmpty: Bool { at >= bytes.count }
    var remaining: Int { bytes.count - at }

    mutating func u8() -> UInt8 {
        guard at < bytes.count else { return 0 }
        defer { at += 1 }
        return bytes[at]
    }

    mutating func u16() -> UInt16 { UInt16(u8()) | UInt16(u8()) << 8 }

    /// The rest of the input.
    mutating func rest() -> UnsafeBufferPointer<UInt8> {
        defer { at = bytes.count }
        return UnsafeBufferPointer(rebasing: bytes[min(at, bytes.count)...])
    }
}

extension Fuzz {
    /// One tokenizer input: the first byte picks add_special (bit 0), parse_special (bit 1)
    /// and whether pieces render special tokens (bit 2); the rest is the text. The ids must
    /// be in the vocabulary; detokenizing them and tokenizing that text again must work.
    static func tokenizeOne(_ tokenizer: Tokenizer, _ data: UnsafePointer<UInt8>, _ size: Int) {
        var r = ByteReader(data, size)
        let flags = r.u8()
        let text = r.rest()
        let addSpecial = flags & 1 != 0, parseSpecial = flags & 2 != 0, renderSpecial = flags & 4 != 0
        let ids: [Int32]
        do {
            ids = try tokenizer.tokenize(
                UnsafeRawBufferPointer(text), addSpecial: addSpecial, parseSpecial: parseSpecial)
        } catch {
            return  // a vocabulary without byte tokens may refuse a byte: an error, not a crash
        }
        for id in ids {
            precondition(id >= 0 && Int(id) < tokenizer.vocabularySize, "token id \(id) out of range")
            _ = tokenizer.piece(for: id, renderSpecial: renderSpecial)
        }
        guard let back = try? tokenizer.detokenize(ids) else {
            preconditionFailure("detokenize refused ids that tokenize produced")
        }
        if let again = try? back.withUnsafeBytes({
            try tokenizer.tokenize($0, addSpecial: false, parseSpecial: parseSpecial)
        }) {
            for id in again { precondition(id >= 0 && Int(id) < tokenizer.vocabularySize) }
        }
    }
}
