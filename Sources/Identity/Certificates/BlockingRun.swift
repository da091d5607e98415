import Foundation

/// Runs async work to completion from synchronous code on the calling thread.
///
/// Waiting on a semaphore for a detached `Task` needs a free thread in Swift's cooperative
/// pool; a caller that is itself on that pool (a Swift Testing test, a task group) can hold
/// every such thread on a small machine, and the wait never ends. Here the task prefers an
/// executor whose jobs the waiting thread runs itself, so no other thread is needed.
public enum BlockingRun {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let executor = CallerThreadExecutor()
        let result = ResultSlot<T>()
        Task(executorPreference: executor) {
            result.set(await body())
            executor.finish()
        }
        executor.runUntilFinished()
        guard let value = result.get() else { preconditionFailure("BlockingRun: task finished without a result") }
        return value
    }
}

/// A `TaskExecutor` whose queue is drained by whichever thread calls `runUntilFinished`.
private final class CallerThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    func runUntilFinished() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty && finished {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

private final class ResultSlot<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T?
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T? { lock.lock(); defer { lock.unlock() }; return value }
}

extension CertificateKeyProvider {
    /// `prepare` for synchronous callers (a simulated network, a benchmark): safe to call from
    /// any thread, including one of Swift's cooperative pool.
    public static func prepareBlocking(urls: [String], repository: any CertificateRepository,
                                       validator: CertificateChainValidator, at time: Date) -> CertificateKeyProvider {
        BlockingRun.run { await prepare(urls: urls, repository: repository, validator: validator, at: time) }
    }
}
