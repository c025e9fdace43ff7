import Foundation
import LlamaSwiftEngine
import Synchronization

/// One completion request as the scheduler runs it: its prompt tokens, sampling and stop
/// settings, and the stream its events go to.
final class Job: @unchecked Sendable {
    enum Event: Sendable {
        case text(String)
        /// A generated token with its log-probability and alternatives (jobs that ask).
        case token(Int32, Float, [TokenLogProb])
        /// The end: why ("stop", "length"), prompt and generated token counts.
        case done(finishReason: String, promptTokens: Int, completionTokens: Int)
        case failed(String)
    }

    let prompt: [Int32]
    let sampler: Sampler
    let maxTokens: Int
    let stops: [[UInt8]]
    /// Alternatives per token for log-probabilities; nil = no log-probabilities.
    var topLogprobs: Int? = nil
    let events: AsyncStream<Event>.Continuation
    /// Set by the HTTP side (client gone); read by the scheduler between steps.
    let cancelled = Atomic<Bool>(false)

    // Scheduler state (scheduler thread only).
    var stream: TextStream
    var generated = 0
    var next: [Int32] = []

    init(prompt: [Int32], sampler: Sampler, maxTokens: Int, stops: [[UInt8]], events: AsyncStream<Event>.Continuation) {
        self.prompt = prompt
        self.sampler = sampler
        self.maxTokens = maxTokens
        self.stops = stops
        self.events = events
        stream = TextStream(stops: stops)
    }
}

/// Continuous batching: `slots` sessions of one model, each serving one job at a time; a
/// thread of its own advances every busy slot in one batched forward pass per step
/// (Session.decode(batch:): a new job's prompt and the others' next tokens share the
/// pass), samples each slot's next token and streams its text. Jobs wait in a bounded
/// queue for a free slot; a full queue refuses new ones (the server answers 503).
///
/// A slot keeps its session's tokens after a job, so a next job sharing a prefix with
/// them (the same system prompt, the previous turns of a chat) re-evaluates only the
/// rest; a job whose prefix another slot holds longer copies it from there
/// (Session.copyPrefix) instead of computing it.
final class Scheduler: @unchecked Sendable {
    let model: Model
    let slots: [Session]
    let queueLimit: Int
    private var busy: [Job?]
    private var queue: [Job] = []
    private let lock = NSCondition()

    init(model: Model, slots n: Int, options: SessionOptions, queueLimit: Int) throws {
        self.model = model
        slots = try (0..<n).map { _ in try Session(model: model, options: options) }
        busy = Array(repeating: nil, count: n)
        self.queueLimit = queueLimit
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "llamaswift-scheduler"
        thread.start()
    }

    /// Queues a job; false when the queue is full.
    func submit(_ job: Job) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let free = busy.filter { $0 == nil }.count
        guard queue.count < queueLimit + free else { return false }
        queue.append(job)
        lock.signal()
        return true
    }

    var load: (busy: Int, queued: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (busy.compactMap { $0 }.count, queue.count)
    }

    private func loop() {
        while true {
            lock.lock()
            while queue.isEmpty && busy.allSatisfy({ $0 == nil }) { lock.wait() }
            var started: [Int] = []
            for i in busy.indices where busy[i] == nil && !queue.isEmpty {
                busy[i] = queue.removeFirst()
                started.append(i)
            }
            let jobs = busy
            lock.unlock()
            for i in started { start(jobs[i]!, in: i) }
            step(jobs)
        }
    }

    /// A job enters slot i: keep the longest prefix of its prompt that this slot or
    /// another holds (copied from the other), always re-evaluating the last prompt token.
    private func start(_ job: Job, in i: Int) {
        func common(_ s: Session) -> Int {
            var n = 0
            let t = s.tokens
            while n < t.count && n < job.prompt.count - 1 && t[n] == job.prompt[n] { n += 1 }
            return n
        }
        let s = slots[i]
        var keep = common(s)
        for (j, other) in slots.enumerated() where j != i {
            let n = common(other)
            if n > keep + 16, (try? s.copyPrefix(from: other, count: n)) != nil { keep = n }
        }
        try? s.rewind(to: keep)
        job.next = Array(job.prompt[keep...])
        for t in job.prompt { job.sampler.accept(t) }
    }

    private func finish(_ i: Int, _ event: Job.Event) {
        busy[i].map {
            $0.events.yield(event); $0.events.finish()
        }
        lock.lock()
        busy[i] = nil
        lock.unlock()
    }

    /// One batched pass over the busy slots, then one token sampled for each.
    private func step(_ jobs: [Job?]) {
        var batch: [(session: Session, tokens: [Int32])] = []
        var members: [Int] = []
        for (i, job) in jobs.enumerated() {
            guard let job else { continue }
            if job.cancelled.load(ordering: .relaxed) {
                finish(i, .failed("cancelled"))
                continue
            }
            let s = slots[i]
            if s.position + job.next.count > s.contextLength {
                // A prompt too long for the slot, or a full context: what the slot could do.
                if job.generated == 0 && job.next.count >= s.contextLength {
                    finish(
                        i, .failed("the prompt has \(job.prompt.count) tokens; the context holds \(s.contextLength)"))
                } else {
                    finish(i, done(job, "length"))
                }
                continue
            }
            batch.append((s, job.next))
            members.append(i)
        }
        guard !batch.isEmpty else { return }
        do {
            try Session.decode(batch: batch)
        } catch {
            let message = (error as? LlamaError)?.message ?? "\(error)"
            for i in members { finish(i, .failed(message)) }
            return
        }
        for i in members {
            let job = jobs[i]!, s = slots[i]
            do {
                // A grammar that is complete and allows nothing more ends the answer
                // here when the vocabulary has no end-of-generation token to draw.
                if let g = job.sampler.grammar, g.isCompleteOnly, !g.hasEndOfGeneration {
                    finish(i, done(job, "stop"))
                    continue
                }
                let token = try job.sampler.sample(s.lastLogits!)
                if model.tokenizer.isEndOfGeneration(token) {
                    finish(i, done(job, "stop"))
                    continue
                }
                job.generated += 1
                if let n = job.topLogprobs, let lp = job.sampler.lastLogProbs(top: n) {
                    job.events.yield(.token(token, lp.logProb, lp.top))
                }
                // As Generator: every token's text takes part in stop matching; control
                // and unknown tokens stream as nothing.
                let bytes = model.tokenizer.piece(for: token, renderSpecial: true) ?? []
                switch job.stream.push(bytes, shown: !model.tokenizer.isHiddenWhenStreamed(token)) {
                case .stop(let before):
                    emit(job, before)
                    finish(i, done(job, "stop", flush: false))
                    continue
                case .emit(let text):
                    emit(job, text)
                }
                if job.generated >= job.maxTokens {
                    finish(i, done(job, "length"))
                    continue
                }
                job.next = [token]
            } catch {
                finish(i, .failed((error as? LlamaError)?.message ?? "\(error)"))
            }
        }
    }

    private func emit(_ job: Job, _ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        job.events.yield(.text(String(decoding: TextStream.validUTF8(bytes), as: UTF8.self)))
    }

    private func done(_ job: Job, _ reason: String, flush: Bool = true) -> Job.Event {
        if flush { emit(job, job.stream.flush()) }
        return .done(finishReason: reason, promptTokens: job.prompt.count, completionTokens: job.generated)
    }
}
