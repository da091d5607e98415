import Dispatch
import Network
import NIOCore
import NIOPosix

/// Moves a value across threads when the code guarantees exclusive use (the driver's loop).
struct UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

public struct LiveTimeout: Error, CustomStringConvertible {
    public var what: String
    public var ms: Int64
    public var description: String { "timed out after \(ms) ms waiting for \(what)" }
}

/// One NIO event loop on which every live actor, the transport's channels and the timers run,
/// so actor code is confined to a single thread as in the simulator. Other threads talk to it
/// through `sync` and the bounded `wait(until:)`.
public final class LiveDriver: @unchecked Sendable {
    public let loop: any EventLoop
    private let group: MultiThreadedEventLoopGroup?
    let start = NIODeadline.now()
    public let scheduler: LiveScheduler

    /// A driver with its own event loop thread.
    public init() {
        let g = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        group = g
        loop = g.next()
        scheduler = LiveScheduler(loop: loop, start: start)
    }

    /// A driver on an existing loop (not shut down by `shutdown`).
    public init(loop: any EventLoop) {
        group = nil
        self.loop = loop
        scheduler = LiveScheduler(loop: loop, start: start)
    }

    /// Milliseconds since the driver started.
    public var nowMs: Int64 { (NIODeadline.now() - start).nanoseconds / 1_000_000 }

    /// Runs `body` on the loop and returns its result (directly when already on the loop).
    public func sync<T>(_ body: @escaping () throws -> T) throws -> T {
        if loop.inEventLoop { return try body() }
        let b = UncheckedBox(body)
        let f = loop.submit { UncheckedBox(try b.value()) }
        return try f.wait().value
    }

    /// Polls `condition` on the loop every `pollMs` until it holds or `timeoutMs` passed.
    /// Returns whether it held. Never blocks longer than the timeout (plus one poll).
    @discardableResult
    public func wait(timeoutMs: Int64, pollMs: Int = 5, until condition: @escaping () -> Bool) -> Bool {
        precondition(!loop.inEventLoop, "wait(until:) would block the driver's own loop")
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, timeoutMs)) * 1_000_000
        while true {
            if (try? sync(condition)) == true { return true }
            if DispatchTime.now().uptimeNanoseconds >= deadline { return false }
            usleep(UInt32(pollMs * 1000))
        }
    }

    public func shutdown() {
        try? group?.syncShutdownGracefully()
    }
}

/// The Network `Scheduler` on the real clock: timers are NIO scheduled tasks on the driver's
/// loop; `nowMs` is real elapsed time. Call only on that loop.
public final class LiveScheduler: Scheduler, @unchecked Sendable {
    let loop: any EventLoop
    let start: NIODeadline

    init(loop: any EventLoop, start: NIODeadline) {
        self.loop = loop
        self.start = start
    }

    public var nowMs: Int64 { (NIODeadline.now() - start).nanoseconds / 1_000_000 }

    @discardableResult
    public func schedule(afterMs delayMs: Int64, _ action: @escaping () -> Void) -> TimerHandle {
        let h = TimerHandle()
        loop.assumeIsolated().scheduleTask(in: .milliseconds(max(0, delayMs))) {
            if !h.isCancelled { action() }
        }
        return h
    }
}
