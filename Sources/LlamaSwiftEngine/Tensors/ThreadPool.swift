import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
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
    /// What the caller and the workers share. Workers hold it, never the pool: a worker
    /// that held the pool (even through an unowned reference, which is retained for the
    /// duration of `workerLoop`) kept it alive forever, so a freed session never stopped
    /// its threads. Now the pool's deinit stops and joins the workers, then `Shared` goes.
    private let shared: Shared
    private var threads: [pthread_t] = []

    /// Spins before sleeping (each spin is a pause instruction or a cheap load).
    static let spinLimit = 200_000

    public init(threads: Int) throws {
        threadCount = max(1, threads)
        shared = try Shared()
        for index in 1..<threadCount {
            let context = Unmanaged.passRetained(WorkerContext(shared: shared, index: index)).toOpaque()
            #if canImport(Darwin)
                var t: pthread_t? = nil  // Darwin's pthread_t is a non-null pointer
            #else
                var t = pthread_t()
            #endif
            let rc = pthread_create(
                &t, nil,
                { raw in
                    // An optional here on Glibc, not on Darwin: promote, then unwrap.
                    let context: UnsafeMutableRawPointer? = raw
                    let ctx = Unmanaged<WorkerContext>.fromOpaque(context!).takeRetainedValue()
                    ctx.shared.workerLoop(ctx.index)
                    return nil
                }, context)
            guard rc == 0 else {
                Unmanaged<WorkerContext>.fromOpaque(context).release()
                shutdown()
                throw LlamaError(
                    .outOfMemory, "cannot start worker thread \(index) of \(threadCount): \(Syscalls.errnoText(rc))")
            }
            #if canImport(Darwin)
                self.threads.append(t!)
            #else
                self.threads.append(t)
            #endif
        }
    }

    private final class WorkerContext {
        let shared: Shared
        let index: Int
        init(shared: Shared, index: Int) {
            self.shared = shared
            self.index = index
        }
    }

    /// The step counter, the completion count, the stop flag, the sleepers' mutex and
    /// condition, and the current step's body.
    private final class Shared: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let remaining = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        let mutex: UnsafeMutablePointer<pthread_mutex_t>
        let cond: UnsafeMutablePointer<pthread_cond_t>
        /// The current step's body; written only by the caller between steps.
        let job: UnsafeMutablePointer<((Int) -> Void)?>

        init() throws {
            mutex = try Syscalls.allocate(pthread_mutex_t.self, count: 1, what: "thread pool")
            do {
                cond = try Syscalls.allocate(pthread_cond_t.self, count: 1, what: "thread pool")
            } catch {
                free(mutex)
                throw error
            }
            do {
                job = try Syscalls.allocate(((Int) -> Void)?.self, count: 1, what: "thread pool")
            } catch {
                free(mutex)
                free(cond)
                throw error
            }
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(cond, nil)
            job.initialize(to: nil)
        }

        func workerLoop(_ index: Int) {
            var seen = 0
            while true {
                var spins = 0
                var gen = generation.load(ordering: .acquiring)
                while gen == seen && !stopping.load(ordering: .relaxed) {
                    spins += 1
                    if spins < ThreadPool.spinLimit {
                        if spins & 4095 == 0 { sched_yield() }  // see run(): let a preempted caller go on
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

        deinit {
            pthread_cond_destroy(cond)
            pthread_mutex_destroy(mutex)
            job.deinitialize(count: 1)
            free(job)
            free(cond)
            free(mutex)
        }
    }

    /// Runs `body(worker)` on every worker (0..<threadCount) and returns when all are done.
    public func run(_ body: (Int) -> Void) {
        if threadCount == 1 {
            body(0)
            return
        }
        let s = shared
        withoutActuallyEscaping(body) { esc in
            s.job.pointee = esc
            s.remaining.store(threadCount - 1, ordering: .relaxed)
            s.generation.add(1, ordering: .releasing)
            pthread_mutex_lock(s.mutex)
            pthread_cond_broadcast(s.cond)
            pthread_mutex_unlock(s.mutex)
            esc(0)
            // Spin for the other workers; every 4096 checks give the CPU away once, so
            // that a worker preempted by another process (more runnable threads than
            // cores) gets to finish instead of waiting out this thread's time slice.
            var spins = 0
            while s.remaining.load(ordering: .acquiring) > 0 {
                spins &+= 1
                if spins & 4095 == 0 { sched_yield() }
            }
            s.job.pointee = nil
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
        shared.stopping.store(true, ordering: .relaxed)
        pthread_mutex_lock(shared.mutex)
        pthread_cond_broadcast(shared.cond)
        pthread_mutex_unlock(shared.mutex)
        for t in threads { pthread_join(t, nil) }
        threads = []
    }

    deinit {
        shutdown()
    }
}
