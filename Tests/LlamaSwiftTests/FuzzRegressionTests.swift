import Testing
@testable import LlamaSwiftEngine

/// Regressions for what `make fuzz` (Tests/Fuzz) found, one test per finding.
@Suite struct FuzzRegressionTests {
    /// fuzz-decode: a session freed right after its pool's workers had started was never
    /// freed at all. Each worker retained the pool for as long as it ran (the unowned
    /// reference it held was loaded as a strong one around `workerLoop`), so the pool's
    /// deinit never ran: every freed session with n_threads > 1 left its threads spinning
    /// and sleeping, and its pool allocated, for the life of the process. (Freed before
    /// the workers started, the checked unowned read trapped instead.)
    @Test func freedPoolStopsItsWorkers() throws {
        weak var weakPool: ThreadPool?
        do {
            let pool = try ThreadPool(threads: 3)
            pool.run { _ in }  // every worker is inside its loop now
            weakPool = pool
        }
        #expect(weakPool == nil, "the workers keep the pool alive")

        let model = try Model(path: TestPaths.fixtures + "/tiny/gqa-q4_0.gguf")
        weak var weakSession: Session?
        weak var weakSessionPool: ThreadPool?
        do {
            var o = SessionOptions()
            o.threads = 3
            o.contextLength = 16
            let session = try Session(model: model, options: o)
            try session.decode([1, 2, 3])
            weakSession = session
            weakSessionPool = session.pool
        }
        #expect(weakSession == nil)
        #expect(weakSessionPool == nil, "a freed session's pool stays alive with its threads")
    }
}
