#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
@testable import LlamaSwiftEngine

/// Locating and reading test data relative to this source file.
enum TestData {
    /// The repository root (this file is Tests/LlamaSwiftTests/Support/TestData.swift).
    static func repositoryRoot(filePath: String = #filePath) -> String {
        var parts = filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }

    static var vocabDirectory: String { repositoryRoot() + "/testdata/vocab" }
    static var fixturesDirectory: String { repositoryRoot() + "/Tests/Fixtures" }
    static var modelsDirectory: String { repositoryRoot() + "/models" }

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "test data '\(path)' is missing: run scripts/fetch-testdata.sh" }
    }

    /// The whole file, or an error telling to run the fetch script.
    static func read(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw Missing(path: path) }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func tokenizer(_ path: String) throws -> Tokenizer {
        guard exists(path) else { throw Missing(path: path) }
        return try Tokenizer(gguf: GGUFFile(path: path))
    }
}
