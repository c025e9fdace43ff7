import Testing
@testable import LlamaSwiftEngine

#if canImport(Glibc)
    import Glibc
#endif

/// 8 sessions on one model in 8 threads give exactly the outputs of running them one
/// after another; a cancel from another thread stops a running decode and leaves the
/// session usable.
@Suite struct ConcurrencyTests {
    final class Job {
        let model: Model
        let prompt: [Int32]
        var output: [Float] = []
        var error: String?
        init(model: Model, prompt: [Int32]) {
            self.model = model
            self.prompt = prompt
        }
        func run() {
            do {
                var o = SessionOptions()
                o.contextLength = 128
                o.threads = 1
                let s = try Session(model: model, options: o)
                try s.decode(prompt)
                for _ in 0..<4 {
                    let l = s.lastLogits!
                    var best = 0
                    for i in 0..<l.count where l[i] > l[best] { best = i }
                    try s.decode([Int32(best)])
                }
                output = Array(s.lastLogits!)
            } catch {
                self.error = "\(error)"
            }
        }
    }

    static func inThreads(_ jobs: [Job]) {
        var threads: [pthread_t] = []
        for j in jobs {
            var t = pthread_t()
            let ctx = Unmanaged.passRetained(j).toOpaque()
            pthread_create(
                &t, nil,
                { raw in
                    Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().run()
                    return nil
                }, ctx)
            threads.append(t)
        }
        for t in threads { pthread_join(t, nil) }
    }

    @Test func eightSessionsInEightThreadsEqualSequential() throws {
        let model = try Model(path: TestPaths.model)
        var prompts: [[Int32]] = []
        for i in 0..<8 {
            var p: [Int32] = []
            for k in 0..<(6 + i) { p.append(Int32(100 + 37 * k + 11 * i)) }
            prompts.append(p)
        }
        let sequential = prompts.map { Job(model: model, prompt: $0) }
        for j in sequential { j.run() }
        let parallel = prompts.map { Job(model: model, prompt: $0) }
        Self.inThreads(parallel)
        for i in 0..<8 {
            #expect(parallel[i].error == nil && sequential[i].error == nil)
            #expect(!parallel[i].output.isEmpty && parallel[i].output == sequential[i].output, "session \(i) differs")
        }
    }

    /// Regression: a pool (or a session) freed right after creation used to trap when a
    /// worker thread started after deinit had begun (a checked unowned reference).
    @Test func poolFreedRightAfterCreation() throws {
        for _ in 0..<300 {
            _ = try ThreadPool(threads: 4)
        }
        let model = try Model(path: TestPaths.fixtures + "/tiny/gqa.gguf")
        var o = SessionOptions()
        o.threads = 3
        o.contextLength = 16
        for _ in 0..<100 {
            _ = try Session(model: model, options: o)
        }
    }

    @Test func cancelFromAnotherThread() throws {
        let model = try Model(path: TestPaths.model)
        var o = SessionOptions()
        o.contextLength = 2048
        let s = try Session(model: model, options: o)
        final class Canceller {
            let s: Session
            init(_ s: Session) { self.s = s }
        }
        var t = pthread_t()
        let ctx = Unmanaged.passRetained(Canceller(s)).toOpaque()
        pthread_create(
            &t, nil,
            { raw in
                let c = Unmanaged<Canceller>.fromOpaque(raw!).takeRetainedValue()
                // Cancel once the decode runs (a cancel before it starts applies to nothing).
                while !c.s.isRunningCall { sched_yield() }
                c.s.cancel()
                return nil
            }, ctx)
        let long = [Int32](repeating: 600, count: 2000)  // takes seconds: the cancel arrives before its end
        #expect { try s.decode(long) } throws: { ($0 as? LlamaError)?.kind == .cancelled }
        pthread_join(t, nil)
        #expect(s.position == 0)
        try s.decode([1, 2, 3])
        #expect(s.position == 3)
    }
}
