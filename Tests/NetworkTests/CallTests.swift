import Network
import XCTest

final class CallTests: XCTestCase {
    func testBasicCallAndBye() throws {
        let net = try Fixtures.registered(Fixtures.spec())
        try net.call(from: "alice", to: "bob", id: "c1")
        net.runUntilIdle()
        XCTAssertEqual(net.callState("c1")?.phase, .established, net.dump())
        XCTAssertEqual(net.calleeState("c1")?.phase, .established)
        try net.hangup("c1")
        net.runUntilIdle()
        XCTAssertEqual(net.callState("c1")?.byeStatus, 200, net.dump())
        XCTAssertEqual(net.calleeState("c1")?.phase, .terminated)
    }

    /// With the trace off (benchmarks) events still count, and one for one with the trace on,
    /// on lossy, duplicating links (drops and duplicates are events too).
    func testTraceOffCountsTheSameEvents() throws {
        func run(recording: Bool) throws -> (Int, Int?) {
            let spec = Fixtures.spec(link: { LinkSpec($0, $1, loss: 0.2, duplicate: 0.2) })
            let net = try SimulatedNetwork(spec: spec, seed: 3)
            net.recordsTrace = recording
            try net.register(ue: "alice")
            try net.register(ue: "bob")
            net.runUntilIdle()
            try net.call(from: "alice", to: "bob", id: "c1")
            net.runUntilIdle()
            return (net.traceEventCount, net.callState("c1")?.finalStatus)
        }
        let on = try run(recording: true), off = try run(recording: false)
        XCTAssertEqual(on.0, off.0)
        XCTAssertEqual(on.1, off.1)
        XCTAssertGreaterThan(on.0, 20)
    }
}
