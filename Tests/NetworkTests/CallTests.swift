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
}
