/// Time for the engine. Actors read `nowMs` and arm timers only through this protocol, so the
/// virtual queue here and a wall-clock scheduler for live sockets are interchangeable.
public protocol Scheduler: AnyObject {
    /// Milliseconds since the start of the run.
    var nowMs: Int64 { get }
    /// Runs `action` `delayMs` from now; the handle cancels it.
    @discardableResult
    func schedule(afterMs delayMs: Int64, _ action: @escaping () -> Void) -> TimerHandle
}

/// A cancellable timer. Cancelled entries stay queued but are skipped without moving the clock.
public final class TimerHandle {
    public private(set) var isCancelled = false
    public init() {}
    public func cancel() { isCancelled = true }
}

/// The discrete-event core: a virtual clock and a min-heap of events ordered by (time, sequence),
/// so events due at the same millisecond run in the order they were scheduled.
public final class VirtualScheduler: Scheduler {
    private struct Entry {
        var time: Int64
        var seq: UInt64
        var handle: TimerHandle
        var action: () -> Void
        func before(_ o: Entry) -> Bool { time != o.time ? time < o.time : seq < o.seq }
    }

    public private(set) var nowMs: Int64 = 0
    private var heap: [Entry] = []
    private var nextSeq: UInt64 = 0
    /// Events run so far (a guard against runaway scenarios).
    public private(set) var eventsRun = 0

    public init() {}

    public var pendingCount: Int { heap.count }

    @discardableResult
    public func schedule(afterMs delayMs: Int64, _ action: @escaping () -> Void) -> TimerHandle {
        let h = TimerHandle()
        push(Entry(time: nowMs + max(0, delayMs), seq: nextSeq, handle: h, action: action))
        nextSeq += 1
        return h
    }

    /// Runs every event due up to `nowMs + ms`, then sets the clock there.
    public func advance(ms: Int64) {
        let until = nowMs + max(0, ms)
        while let top = heap.first, top.time <= until {
            runNext()
        }
        nowMs = until
    }

    /// Runs events until none is left (cancelled ones are discarded without moving the clock)
    /// or `maxEvents` have run. Returns false when it stopped at the limit.
    @discardableResult
    public func runUntilIdle(maxEvents: Int = 10_000_000) -> Bool {
        var n = 0
        while !heap.isEmpty {
            if n >= maxEvents { return false }
            if runNext() { n += 1 }
        }
        return true
    }

    /// Pops one entry; true when it ran (was not cancelled).
    @discardableResult
    private func runNext() -> Bool {
        let e = pop()
        if e.handle.isCancelled { return false }
        nowMs = max(nowMs, e.time)
        eventsRun += 1
        e.action()
        return true
    }

    private func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if heap[i].before(heap[p]) { heap.swapAt(i, p); i = p } else { break }
        }
    }

    private func pop() -> Entry {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, heap[l].before(heap[m]) { m = l }
                if r < heap.count, heap[r].before(heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
