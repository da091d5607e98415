import Foundation
import LiveTransport
import Network
import NIOCore
import NIOPosix
import XCTest

/// A free loopback port (bound then released; a small race is acceptable in tests).
func freePort(udp: Bool = true) throws -> Int {
    let fd = socket(AF_INET, udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw XCTSkip("no socket") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw XCTSkip("cannot bind a loopback port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func which(_ tool: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let p = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

/// A child process killed (by its PID) if it outlives its deadline.
final class Child {
    let process = Process()
    let out = Pipe()
    init(_ path: String, _ args: [String]) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }
    /// Waits at most `seconds`; kills on timeout. Returns the exit status, nil on timeout.
    func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill()
            return nil
        }
        return process.terminationStatus
    }
    func kill() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
    var output: String { String(decoding: out.fileHandleForReading.availableData, as: UTF8.self) }
}

/// Transport + driver + helpers for one test; torn down with `close()`.
final class LiveRig {
    let driver = LiveDriver()
    let transport: LiveTransport

    init(tls: LiveTLS? = nil, limits: SIPCoreLimits = .init()) {
        transport = LiveTransport(driver: driver, tls: tls, limits: limits.value)
    }

    func agent(_ name: String, user: String, on endpoint: LiveEndpoint, seed: UInt64 = 1) throws -> (LiveUserAgent, LiveEndpoint) {
        let bound = try transport.listen(name, on: endpoint)
        let ua = try driver.sync {
            // Mixed with the bound port and a run counter: a SUT keeps transactions between
            // tests, so every UA must draw fresh Call-IDs and branches.
            LiveUserAgent(name: name, user: user, domain: "ims.test", transport: self.transport, scheduler: self.driver.scheduler,
                          seed: seed &* 0x9E37_79B9 ^ UInt64(bound.address.port) << 20 ^ LiveRig.nextRun())
        }
        return (ua, bound)
    }

    nonisolated(unsafe) static var runs: UInt64 = UInt64(getpid()) << 32
    static func nextRun() -> UInt64 {
        runs += 1
        return runs
    }

    func on<T>(_ body: @escaping () -> T) -> T { try! driver.sync(body) }

    func close() {
        transport.close()
        driver.shutdown()
    }

    func traceText() -> String { transport.trace.map(\.line).joined(separator: "\n") }
}

import SIPCore
struct SIPCoreLimits {
    var value: ParseLimits = .default
}
