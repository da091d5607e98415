import Foundation
import Identity
import LiveTransport
import Network
import XCTest

final class LoadTests: XCTestCase {
    func testSignedLoadAgainstSIPpUAS() throws {
        guard let sipp = which("sipp") else { throw XCTSkip("sipp not installed (Debian package sip-tester): load test skipped") }
        let port = try freePort()
        let child = try Child(sipp, ["-sn", "uas", "-i", "127.0.0.1", "-p", "\(port)", "-nostdin", "-buff_size", "4194304",
                                     "-timeout", "30s"])
        defer { child.kill() }
        usleep(300_000)
        var config = LoadConfig(target: LiveEndpoint(.udp, host: "127.0.0.1", port: port), rate: 200, calls: 200, workers: 2)
        let pki = try TestPKI.generate(at: Date())
        config.signer = PASSporTSigner(key: try pki.sp.privateKey(), x5u: pki.sp.url)
        config.clock = FixedClock(1_700_000_000)
        config.timeoutMs = 3_000
        var progressCalls = 0
        let r = try LoadGenerator(config: config).run(progress: { _ in progressCalls += 1 }, progressIntervalMs: 100)
        XCTAssertEqual(r.started, 200)
        XCTAssertEqual(r.completed, 200, r.text)
        XCTAssertEqual(r.failed, 0, r.text)
        XCTAssertEqual(r.inviteTo200.totalCount, 200)
        XCTAssertEqual(r.inviteTo180.totalCount, 200)
        XCTAssertGreaterThan(progressCalls, 0)
        XCTAssertTrue(r.json.contains("\"signed\":true"))
        XCTAssertTrue(r.json.contains("\"p99_ms\":"))
        XCTAssertGreaterThan(r.achievedCallsPerSecond, 100)
    }

    func testLoadAgainstNobodyFailsByTimeout() throws {
        let port = try freePort()
        var config = LoadConfig(target: LiveEndpoint(.udp, host: "127.0.0.1", port: port), rate: 100, calls: 20, workers: 2)
        config.timeoutMs = 700
        let start = Date()
        let r = try LoadGenerator(config: config).run()
        XCTAssertLessThan(Date().timeIntervalSince(start), 6)
        XCTAssertEqual(r.completed, 0)
        XCTAssertEqual(r.failed, 20)
        XCTAssertEqual(r.failures.values.reduce(0, +), 20)
        XCTAssertTrue(r.failures.keys.allSatisfy { $0.hasPrefix("timeout") }, "\(r.failures)")
    }
}
