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
    /// Calls `target.timerFired(code)` `delayMs` from now, unless `handle` is cancelled by then:
    /// a transaction arms its many timers this way without allocating a closure for each.
    func schedule(afterMs delayMs: Int64, cancelledBy handle: TimerHandle?, target: TimerTarget, code: Int)
}

extension Scheduler {
    public func schedule(afterMs delayMs: Int64, cancelledBy handle: TimerHandle, _ action: @escaping () -> Void) {
        schedule(afterMs: delayMs) { if !handle.isCancelled { action() } }
    }

    public func schedule(afterMs delayMs: Int64, cancelledBy handle: TimerHandle?, target: TimerTarget, code: Int) {
        if let handle {
            schedule(afterMs: delayMs, cancelledBy: handle) { target.timerFired(code) }
        } else {
            schedule(afterMs: delayMs) { target.timerFired(code) }
        }
    }
}

/// What a timer armed with a code fires on (held strongly until it fires or is discarded).
public protocol TimerTarget: AnyObject {
    func timerFired(_ code: Int)
}

/// A cancellable timer. Cancelled entries stay queued but are skipped without moving the clock.
/// Not final: an object whose timers are only ever cancelled together (a client transaction)
/// can be their handle itself, one allocation fewer.
public class TimerHandle {
    public final private(set) var isCancelled = false
    public init() {}
    public final func cancel() { isCancelled = true }
}

/// The discrete-event core: a virtual clock and a min-heap of events ordered by (time, sequence),
/// so events due at the same millisecond run in the order they were scheduled.
public final class VirtualScheduler: Scheduler {
    /// The heap, clock and counters, changed together: one exclusive access schedules or pops an
    /// event, where separate stored properties would cost one each.
    private var queue = EventQueue()

    public init() {}

    public var nowMs: Int64 { queue.nowMs }
    /// Events run so far (a guard against runaway scenarios).
    public var eventsRun: Int { queue.eventsRun }
    public var pendingCount: Int { queue.heap.count }

    @discardableResult
    public func schedule(afterMs delayMs: Int64, _ action: @escaping () -> Void) -> TimerHandle {
        let h = TimerHandle()
        queue.push(afterMs: delayMs, handle: h, .closure(action))
        return h
    }

    public func schedule(afterMs delayMs: Int64, cancelledBy handle: TimerHandle, _ action: @escaping () -> Void) {
        queue.push(afterMs: delayMs, handle: handle, .closure(action))
    }

    public func schedule(afterMs delayMs: Int64, cancelledBy handle: TimerHandle?, target: TimerTarget, code: Int) {
        queue.push(afterMs: delayMs, handle: handle, .timer(target, code))
    }

    /// Runs every event due up to `nowMs + ms`, then sets the clock there.
    public func advance(ms: Int64) {
        let until = queue.nowMs + max(0, ms)
        while let work = queue.popRunnable(dueBy: until) { work.run() }
        queue.nowMs = until
    }

    /// Runs events until none is left (cancelled ones are discarded without moving the clock)
    /// or `maxEvents` have run. Returns false when it stopped at the limit.
    @discardableResult
    public func runUntilIdle(maxEvents: Int = 10_000_000) -> Bool {
        var n = 0
        while !queue.heap.isEmpty {
            if n >= maxEvents { return false }
            guard let work = queue.popRunnable(dueBy: .max) else { break }
            work.run()
            n += 1
        }
        return true
    }

    /// Drops every pending event (the clock stays): what they hold is released.
    public func removeAll() { queue.heap.removeAll() }
}

/// `VirtualScheduler`'s state.
private struct EventQueue {
    /// What an event does.
    enum Work {
        case closure(() -> Void)
        case timer(TimerTarget, Int)

        func run() {
            switch self {
            case .closure(let action): action()
            case .timer(let target, let code): target.timerFired(code)
            }
        }
    }

    struct Entry {
        var time: Int64
        var seq: UInt64
        /// nil for an event nobody can cancel (a packet in flight): no handle to allocate.
        var handle: TimerHandle?
        var work: Work
    }

    var nowMs: Int64 = 0
    var heap: [Entry] = []
    var nextSeq: UInt64 = 0
    var eventsRun = 0

    /// `handle` and `work` are taken over (moved into the entry, not copied and released).
    mutating func push(afterMs delayMs: Int64, handle: consuming TimerHandle?, _ work: consuming Work) {
        push(Entry(time: nowMs + max(0, delayMs), seq: nextSeq, handle: handle, work: work))
        nextSeq += 1
    }

    /// Pops entries due by `until` up to the first one not cancelled, moves the clock to it and
    /// counts it; returns its work (to run outside this access), nil when none is due.
    mutating func popRunnable(dueBy until: Int64) -> Work? {
        while !heap.isEmpty, heap[0].time <= until {
            let e = pop()
            if e.handle?.isCancelled == true { continue }
            nowMs = max(nowMs, e.time)
            eventsRun += 1
            return e.work
        }
        return nil
    }

    // The heap is sifted through its buffer: comparing and moving entries in place costs no
    // retain/release of their closures.
    private mutating func push(_ e: consuming Entry) {
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

    private mutating func pop() -> Entry {
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
