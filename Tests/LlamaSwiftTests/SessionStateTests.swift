import Testing
@testable import LlamaSwiftEngine

#if canImport(Glibc)
    import Glibc
#endif

/// Session state save/load: a restored session continues with bit-identical logits;
/// states from another model, KV type or RoPE setting, and corrupt or truncated bytes
/// are refused without changing the session.
@Suite struct SessionStateTests {
    static func session(_ model: Model, ctx: Int = 64, kvF32: Bool? = nil, ropeBase: Double = 0) throws -> Session {
        var o = SessionOptions()
        o.contextLength = ctx
        o.threads = 2
        o.kvF32 = kvF32
        o.ropeFreqBase = ropeBase
        return try Session(model: model, options: o)
    }

    static func save(_ s: Session) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: s.stateSize)
        let n = try bytes.withUnsafeMutableBytes { try s.saveState(into: $0) }
        #expect(n == bytes.count)
        return bytes
    }

    static func load(_ s: Session, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try s.loadState(from: $0) }
    }

    static func kind(_ body: () throws -> Void) -> LlamaError.Kind? {
        do {
            try body()
            return nil
        } catch let e as LlamaError {
            return e.kind
        } catch {
            return .internalError
        }
    }

    static let prompt: [Int32] = [1, 504, 3458, 282, 4649, 314, 17, 359, 1183]

    @Test func restoredSessionContinuesWithIdenticalLogits() throws {
        let model = try Model(path: TestPaths.model)
        let a = try Self.session(model)
        try a.decode(Self.prompt)
        let bytes = try Self.save(a)

        let b = try Self.session(model, ctx: 96)  // a larger context is fine
        try b.decode([5, 6, 7])  // some other history, replaced by the load
        try Self.load(b, bytes)
        #expect(b.tokens == a.tokens)
        #expect(Array(b.lastLogits!) == Array(a.lastLogits!))
        // Continue both for a few greedy steps: identical logits every step.
        for _ in 0..<4 {
            let l = a.lastLogits!
            var best = 0
            for i in 0..<l.count where l[i] > l[best] { best = i }
            try a.decode([Int32(best)])
            try b.decode([Int32(best)])
            #expect(Array(b.lastLogits!) == Array(a.lastLogits!))
        }
        // A state saved after a rewind (no logits) loads with no logits.
        try a.rewind(to: 3)
        let rewound = try Self.save(a)
        try Self.load(b, rewound)
        #expect(b.position == 3 && b.lastLogits == nil)
    }

    @Test func fileRoundTripAndErrors() throws {
        let model = try Model(path: TestPaths.model)
        let a = try Self.session(model)
        try a.decode(Self.prompt)
        let path = "/tmp/llamaswift-state-test-\(getpid()).bin"
        defer { unlink(path) }
        try a.saveState(toFile: path)
        // The same file loaded again is the same model.
        let again = try Model(path: TestPaths.model)
        #expect(again.fingerprint == model.fingerprint)
        let b = try Self.session(again)
        try b.loadState(fromFile: path)
        try a.decode([42])
        try b.decode([42])
        #expect(Array(b.lastLogits!) == Array(a.lastLogits!))

        #expect(Self.kind { try b.loadState(fromFile: "/nonexistent/state.bin") } == .io)
        #expect(Self.kind { try a.saveState(toFile: "/nonexistent/dir/state.bin") } == .io)
        #expect(access("/nonexistent/dir/state.bin.partial", F_OK) != 0)
    }

    @Test func refusesOtherModelsSettingsAndCorruptBytes() throws {
        let model = try Model(path: TestPaths.model)
        let a = try Self.session(model)
        try a.decode(Self.prompt)
        let bytes = try Self.save(a)

        let victim = try Self.session(model)
        try victim.decode([9, 8, 7, 6])
        let before = Array(victim.lastLogits!)
        func unchanged() -> Bool { victim.tokens == [9, 8, 7, 6] && Array(victim.lastLogits!) == before }

        // Another model (same architecture family, other file).
        let tiny = try Model(path: TestPaths.fixtures + "/tiny/gqa-q8_0.gguf")
        #expect(tiny.fingerprint != model.fingerprint)
        let tinyA = try Self.session(tiny)
        try tinyA.decode([1, 2, 3])
        let tinyState = try Self.save(tinyA)
        #expect(Self.kind { try Self.load(victim, tinyState) } == .invalidArgument)
        #expect(unchanged())

        // Another KV element type, other RoPE base, too small a context.
        #expect(Self.kind { try Self.load(try Self.session(model, kvF32: true), bytes) } == .invalidArgument)
        #expect(Self.kind { try Self.load(try Self.session(model, ropeBase: 5000), bytes) } == .invalidArgument)
        #expect(Self.kind { try Self.load(try Self.session(model, ctx: 8), bytes) } == .invalidArgument)

        // Every single-byte corruption at a spread of offsets, and every truncation
        // length from a sample, is FORMAT or INVALID_ARGUMENT — never accepted.
        let step = max(1, bytes.count / 97)
        for at in stride(from: 0, to: bytes.count, by: step) {
            var bad = bytes
            bad[at] ^= 0x41
            let k = Self.kind { try Self.load(victim, bad) }
            #expect(k == .format || k == .invalidArgument, "corruption at \(at) was \(String(describing: k))")
        }
        for n in [0, 1, 8, 67, 68, 75, bytes.count / 2, bytes.count - 9, bytes.count - 1] {
            #expect(Self.kind { try Self.load(victim, Array(bytes[0..<n])) } == .format, "truncated to \(n)")
        }
        #expect(Self.kind { try Self.load(victim, bytes + [0]) } == .format)
        #expect(unchanged())

        // A buffer one byte short is BUFFER_TOO_SMALL.
        var short = [UInt8](repeating: 0, count: a.stateSize - 1)
        #expect(Self.kind { _ = try short.withUnsafeMutableBytes { try a.saveState(into: $0) } } == .bufferTooSmall)
    }

    @Test func hashDoesNotDependOnChunking() {
        var bytes = [UInt8](repeating: 0, count: 1000)
        var r = RandomGenerator(seed: 7)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: r.next()) }
        var whole = StreamHash()
        bytes.withUnsafeBytes { whole.update($0) }
        for cut in [1, 7, 31, 32, 33, 500, 999] {
            var h = StreamHash()
            bytes.withUnsafeBytes { b in
                h.update(UnsafeRawBufferPointer(rebasing: b[0..<cut]))
                h.update(UnsafeRawBufferPointer(rebasing: b[cut...]))
            }
            #expect(h.finish() == whole.finish(), "cut at \(cut)")
        }
        var other = bytes
        other[500] ^= 1
        var h2 = StreamHash()
        other.withUnsafeBytes { h2.update($0) }
        #expect(h2.finish() != whole.finish())
    }
}
