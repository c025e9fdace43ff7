import CLlamaSwiftCPU

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file mapped read-only into memory (`open` + `fstat` + `mmap`). The mapping lives as
/// long as this object; tensors of a model point into it, so the model keeps it alive.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let base: UnsafeRawPointer
    public let size: Int

    public init(path: String) throws {
        self.path = path
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
        // forever (and a device may block in open); it changes nothing for the regular
        // files we accept, which are only mapped, never read().
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            throw LlamaError(.io, "cannot open '\(path)': \(Syscalls.errnoText(errno))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw LlamaError(.io, "cannot stat '\(path)': \(Syscalls.errnoText(errno))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw LlamaError(.io, "'\(path)' is not a regular file (it is \(Self.kindName(st.st_mode)))")
        }
        // /proc and /sys files claim to be regular but have no size and no fixed content.
        if lsk_fd_on_pseudo_fs(fd) != 0 {
            throw LlamaError(.io, "'\(path)' is not a regular file (it is on /proc or /sys)")
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

    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a directory"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), size)
    }
}
