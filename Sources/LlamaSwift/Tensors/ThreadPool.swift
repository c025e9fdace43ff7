import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A persistent pool of worker threads, woken once per parallel step (a matmul, the
/// attention of a layer). The caller's thread is worker 0 and takes part in the work.
///
/// Waking costs matter: a decode step of a small model runs ~200 parallel steps, so a
/// condition-variable round trip each (tens of µs) would dominate. Workers therefore spin
/// on an atomic generation counter for a while after each step and only then sleep on a
/// condition variable; the caller publishes a step with a release store and wakes
/// sleepers under the mutex (no lost wake-ups: sleepers re-check under the same mutex).
///
/// Results never depend on the thread count: callers split work by output rows (each
/// output computed by one thread, in a fixed order), never a reduction.
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    /// The current step's body; written only by the caller between steps.
    private let job: UnsafeMutablePointer<((Int) -> Void)?>
    private var threads: [pthread_t] = []

    /// Spins before sleeping (each spin is a pause instruction or a cheap load).
    static let spinLimit = 200_000

    public init(threads: Int) throws {
        threadCount = max(1, threads)
        mutex = try Syscalls.allocate(pthread_mutex_t.self, count: 1, what: "thread pool")
        cond = try Syscalls.allocate(pthread_cond_t.self, count: 1, what: "thread pool")
        job = try Syscalls.allocate(((Int) -> Void)?.self, count: 1, what: "thread pool")
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
        job.initialize(to: nil)
        for index in 1..<threadCount {
            let context = Unmanaged.passRetained(WorkerContext(pool: self, index: index)).toOpaque()
            var t = pthread_t()
            let rc = pthread_create(&t, nil, { raw in
                let ctx = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                ctx.pool.workerLoop(ctx.index)
                return nil
            }, context)
            guard rc == 0 else {
                Unmanaged<WorkerContext>.fromOpaque(context).release()
                shutdown()
                throw LlamaError(.outOfMemory, "cannot start worker thread \(index) of \(threadCount): \(Syscalls.errnoText(rc))")
            }
            self.threads.append(t)
        }
    }

    /// Not `unowned` (checked): a pool freed right after creation reaches `deinit` while
    /// a worker may not have started yet, and a checked unowned read of an object in
    /// deinit traps. The pool's memory outlives every worker, because `deinit` joins them
    /// before returning, so the unchecked reference is always valid.
    private final class WorkerContext {
        unowned(unsafe) let pool: ThreadPool
        let index: Int
        init(pool: ThreadPool, index: Int) {
            self.pool = pool
            self.index = index
        }
    }

    private func workerLoop(_ index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var gen = generation.load(ordering: .acquiring)
            while gen == seen && !stopping.load(ordering: .relaxed) {
                spins += 1
                if spins < Self.spinLimit {
                    gen = generation.load(ordering: .acquiring)
                    continue
                }
                pthread_mutex_lock(mutex)
                gen = generation.load(ordering: .acquiring)
                while gen == seen && !stopping.load(ordering: .relaxed) {
                    pthread_cond_wait(cond, mutex)
                    gen = generation.load(ordering: .acquiring)
                }
                pthread_mutex_unlock(mutex)
            }
            if stopping.load(ordering: .relaxed) { return }
            seen = gen
            if let body = job.pointee { body(index) }
            remaining.subtract(1, ordering: .releasing)
        }
    }

    /// Runs `body(worker)` on every worker (0..<threadCount) and returns when all are done.
    public func run(_ body: (Int) -> Void) {
        if threadCount == 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { esc in
            job.pointee = esc
            remaining.store(threadCount - 1, ordering: .relaxed)
            generation.add(1, ordering: .releasing)
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(cond)
            pthread_mutex_unlock(mutex)
            esc(0)
            while remaining.load(ordering: .acquiring) > 0 {}
            job.pointee = nil
        }
    }

    /// Splits 0..<n into `threadCount` contiguous ranges, in units of `granule`, and runs
    /// `body(range)` for each on its own worker.
    public func parallelFor(_ n: Int, granule: Int = 1, _ body: (Range<Int>) -> Void) {
        let units = (n + granule - 1) / granule
        let t = threadCount
        if t == 1 || units <= 1 {
            body(0..<n)
            return
        }
        run { w in
            let lo = units * w / t * granule
            let hi = min(n, units * (w + 1) / t * granule)
            if lo < hi { body(lo..<hi) }
        }
    }

    private func shutdown() {
        stopping.store(true, ordering: .relaxed)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
        for t in threads { pthread_join(t, nil) }
        threads = []
    }

    deinit {
        shutdown()
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        job.deinitialize(count: 1)
        free(job)
        free(cond)
        free(mutex)
    }
}
