#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file mapped read-only into memory (`open` + `fstat` + `mmap`). The mapping lives as
/// long as this object; tensors of a model point into it, so the model keeps it alive.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let base: UnsafeRawPointer
    public let size: Int

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw LlamaError(.io, "cannot open '\(path)': \(Syscalls.errnoText(errno))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw LlamaError(.io, "cannot stat '\(path)': \(Syscalls.errnoText(errno))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw LlamaError(.io, "'\(path)' is not a regular file")
        }
        let size = Int(st.st_size)
        guard size > 0 else {
            throw LlamaError(.format, "'\(path)' is empty (0 bytes): not a GGUF file")
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            let code = errno
            let kind: LlamaError.Kind = code == ENOMEM ? .outOfMemory : .io
            throw LlamaError(kind, "cannot map '\(path)' (\(size) bytes): \(Syscalls.errnoText(code))")
        }
        self.base = UnsafeRawPointer(p)
        self.size = size
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), size)
    }
}
