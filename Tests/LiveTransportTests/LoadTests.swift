import Foundation
import Identity
import LiveTransport
import Network
import SIPCore
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

    /// Every INVITE carries its own PASSporT (origid per call, fresh signature) that the Identity
    /// library verifies: the load path's pre-encoded template must not drift from the library.
    func testEverySignedINVITECarriesAFreshVerifiablePASSporT() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        XCTAssertTrue(bound)
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let port = Int(UInt16(bigEndian: addr.sin_port))

        let calls = 3
        var config = LoadConfig(target: LiveEndpoint(.udp, host: "127.0.0.1", port: port), rate: 50, calls: calls, workers: 1)
        let pki = try TestPKI.generate(at: Date())
        let key = try pki.sp.privateKey()
        config.signer = PASSporTSigner(key: key, x5u: pki.sp.url)
        config.clock = FixedClock(1_700_000_000)
        config.timeoutMs = 400
        let finished = DispatchSemaphore(value: 0)
        let box = RunBox(config)
        Thread.detachNewThread {
            box.result = try? LoadGenerator(config: box.config).run()
            finished.signal()
        }
        var identities: [String: String] = [:]  // Call-ID -> Identity value
        var buf = [UInt8](repeating: 0, count: 65_536)
        while identities.count < calls {
            let n = recv(fd, &buf, buf.count, 0)
            guard n > 0 else { break }
            let lines = String(decoding: buf[..<n], as: UTF8.self).components(separatedBy: "\r\n")
            guard lines[0].hasPrefix("INVITE "),
                  let callID = lines.first(where: { $0.hasPrefix("Call-ID: ") })?.dropFirst(9),
                  let identity = lines.first(where: { $0.hasPrefix("Identity: ") })?.dropFirst(10) else { continue }
            identities[String(callID)] = String(identity)
        }
        finished.wait()
        XCTAssertEqual(identities.count, calls, "every INVITE has an Identity header")
        var origids = Set<String>(), signatures = Set<String>()
        for (_, text) in identities {
            let value = try IdentityValue(parsing: text)
            XCTAssertEqual(value.info, pki.sp.url)
            XCTAssertEqual(value.alg, "ES256")
            XCTAssertEqual(value.ppt, "shaken")
            let verified = try JWSParts.verifyES256(value.jws, key: key.publicKey)
            guard case .success(let claims) = PASSporTClaims.parse(try JSONValue.parse(verified.payload), ppt: "shaken") else {
                return XCTFail("claims do not parse: \(String(decoding: verified.payload, as: UTF8.self))")
            }
            XCTAssertEqual(claims.iat, 1_700_000_000)
            XCTAssertEqual(claims.orig, .tn("15551230001"))
            XCTAssertEqual(claims.dest.tn, ["15551230002"])
            XCTAssertEqual(claims.attest, "A")
            origids.insert(claims.origid ?? "")
            signatures.insert(String(value.jws.split(separator: ".").last ?? ""))
        }
        XCTAssertEqual(origids.count, calls, "origid differs per call")
        XCTAssertEqual(signatures.count, calls, "a fresh signature per call")
        let r = try XCTUnwrap(box.result)
        XCTAssertEqual(r.failed, calls, "nobody answers: every call times out")
        XCTAssertTrue(r.signed)
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

/// Hands a config to the thread that runs the load and its result back (joined by a semaphore).
private final class RunBox: @unchecked Sendable {
    let config: LoadConfig
    var result: LoadResult?
    init(_ config: LoadConfig) { self.config = config }
}
