/// Time for the engine. Actors read `nowMs` and arm timers only through this protocol, so the
/// virtual queue here and a wall-clock scheduler for live sockets are interchangeable.
public protocol Scheduler: AnyObject {
    /// Milliseconds since the start of the run.
    var nowMs: Int64 { get }
    /// Runs `action` `delayMs` from now; the handle cancels it.
    @discardableResult
    func schedule(afterMs delayMs: Int64, _ action: @escaping () -> Void) -> TimerHandle
    /// `schedule` under an existing handle: timers that are only ever cancelled together
    /// (a transaction's) share one instead of allocating one each.
    func schedule(afterMs delayMs: Int64, cancelledBy handle: TimerHandle, _ action: @escaping () -> Void)
}

extension Scheduler {
    public func schedule(afterMs delayMs: Int64, cancelledBy handle: TimerHandle, _ action: @escaping () -> Void) {
        schedule(afterMs: delayMs) { if !handle.isCancelled { action() } }
    }
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
        /// nil for an event nobody can cancel (a packet in flight): no handle to allocate.
        var handle: TimerHandle?
        var action: () -> Void
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

    public func schedule(afterMs delayMs: Int64, cancelledBy handle: TimerHandle, _ action: @escaping () -> Void) {
        push(Entry(time: nowMs + max(0, delayMs), seq: nextSeq, handle: handle, action: action))
        nextSeq += 1
    }

    /// `schedule` for an event that is never cancelled; same order, no handle.
    func scheduleUncancellable(afterMs delayMs: Int64, _ action: @escaping () -> Void) {
        push(Entry(time: nowMs + max(0, delayMs), seq: nextSeq, handle: nil, action: action))
        nextSeq += 1
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
        if e.handle?.isCancelled == true { return false }
        nowMs = max(nowMs, e.time)
        eventsRun += 1
        e.action()
        return true
    }

    // The heap is sifted through its buffer: comparing and moving entries in place costs no
    // retain/release of their closures and no exclusivity check per step.
    private func push(_ e: Entry) {
        heap.append(e)
        heap.withUnsafeMutableBufferPointer { h in
            var i = h.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if Self.less(h, i, p) { h.swapAt(i, p); i = p } else { break }
            }
        }
    }

    /// (time, sequence) order, read through field addresses only.
    private static func less(_ h: UnsafeMutableBufferPointer<Entry>, _ a: Int, _ b: Int) -> Bool {
        let ta = h[a].time, tb = h[b].time
        return ta != tb ? ta < tb : h[a].seq < h[b].seq
    }

    private func pop() -> Entry {
        var top = heap.removeLast()
        guard !heap.isEmpty else { return top }
        swap(&top, &heap[0])
        heap.withUnsafeMutableBufferPointer { h in
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < h.count, Self.less(h, l, m) { m = l }
                if r < h.count, Self.less(h, r, m) { m = r }
                if m == i { break }
                h.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
