@testable import Network
import XCTest

/// The virtual event queue: (time, scheduling order), cancelled entries skipped.
final class SchedulerTests: XCTestCase {
    func testEventsRunByTimeThenSchedulingOrder() {
        let s = VirtualScheduler()
        var random = SeededRandom(seed: 7)
        var expected: [(time: Int64, id: Int)] = []
        var ran: [Int] = []
        var handles: [TimerHandle] = []
        for id in 0..<2_000 {
            let delay = Int64(random.next() % 50)
            handles.append(s.schedule(afterMs: delay) { ran.append(id) })
            expected.append((delay, id))
        }
        for id in stride(from: 3, to: 2_000, by: 7) { handles[id].cancel() }
        // Events scheduled while running keep the same order rules.
        s.schedule(afterMs: 10) { s.schedule(afterMs: 0) { ran.append(-1) } }
        XCTAssertTrue(s.runUntilIdle())
        let kept = expected.filter { !handles[$0.id].isCancelled }
            .sorted { $0.time != $1.time ? $0.time < $1.time : $0.id < $1.id }.map(\.id)
        XCTAssertEqual(ran.filter { $0 >= 0 }, kept)
        // The nested event runs at 10 ms after everything scheduled earlier for 10 ms.
        let lastAt10 = kept.lastIndex { expected[$0].time == 10 }.map { ran.firstIndex(of: kept[$0])! }
        XCTAssertEqual(ran.firstIndex(of: -1), lastAt10.map { $0 + 1 })
        XCTAssertEqual(s.nowMs, 49)
        XCTAssertEqual(s.pendingCount, 0)
    }

    /// Timers armed on a target with a code keep the same order and cancellation rules as closures.
    func testTargetTimersRunInOrderWithClosures() {
        final class Target: TimerTarget {
            var log: [Int] = []
            func timerFired(_ code: Int) { log.append(code) }
        }
        let s = VirtualScheduler()
        let target = Target()
        var random = SeededRandom(seed: 9)
        var expected: [(time: Int64, id: Int)] = []
        let shared = TimerHandle()
        for id in 0..<500 {
            let delay = Int64(random.next() % 20)
            switch id % 3 {
            case 0: s.schedule(afterMs: delay) { target.log.append(id) }
            case 1: s.schedule(afterMs: delay, cancelledBy: nil, target: target, code: id)
            default: s.schedule(afterMs: delay, cancelledBy: shared, target: target, code: id)
            }
            if id % 3 != 2 { expected.append((delay, id)) }
        }
        shared.cancel()
        XCTAssertTrue(s.runUntilIdle())
        XCTAssertEqual(target.log, expected.sorted { $0.time != $1.time ? $0.time < $1.time : $0.id < $1.id }.map(\.id))
        XCTAssertEqual(s.eventsRun, expected.count)
    }

    func testAdvanceStopsAtTheLimit() {
        let s = VirtualScheduler()
        var ran: [Int64] = []
        for t in [30, 5, 20, 5, 40] as [Int64] { s.schedule(afterMs: t) { ran.append(t) } }
        s.advance(ms: 20)
        XCTAssertEqual(ran, [5, 5, 20])
        XCTAssertEqual(s.nowMs, 20)
        XCTAssertEqual(s.pendingCount, 2)
        s.advance(ms: 100)
        XCTAssertEqual(ran, [5, 5, 20, 30, 40])
    }
}
