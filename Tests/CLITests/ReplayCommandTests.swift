import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A UDP or TCP SIP peer on 127.0.0.1 (random free port) for the replay CLI: records the
/// start line and headers of what arrives and answers each request but ACK with 200 OK.
/// Text-only (this target does not link SIPCore); every wait is bounded.
private final class TextPeer: @unchecked Sendable {
    let udp: Bool
    private(set) var port: UInt16 = 0
    private let fd: Int32
    private let lock = NSLock()
    private var texts: [String] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init(udp: Bool) {
        self.udp = udp
        fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = UInt16(bigEndian: addr.sin_port)
        if !udp { listen(fd, 4) }
        Thread { [self] in loop(); done.signal() }.start()
    }

    var received: [String] { lock.lock(); defer { lock.unlock() }; return texts }
    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    func stop() {
        lock.lock(); stopped = true; lock.unlock()
        _ = done.wait(timeout: .now() + 5)
        close(fd)
    }

    private func readable(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 50) > 0
    }

    private func loop() {
        let deadline = Date().addingTimeInterval(30)
        var buf = [UInt8](repeating: 0, count: 65536)
        var client: Int32 = -1
        var pending = ""
        while !isStopped, Date() < deadline {
            if udp {
                guard readable(fd) else { continue }
                var from = sockaddr_storage()
                var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let n = buf.withUnsafeMutableBytes { b in
                    withUnsafeMutablePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, 0, $0, &len) } }
                }
                guard n > 0 else { continue }
                if let reply = handle(String(decoding: buf[0..<n], as: UTF8.self)) {
                    _ = Array(reply.utf8).withUnsafeBytes { b in
                        withUnsafePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, b.baseAddress, b.count, 0, $0, len) } }
                    }
                }
            } else {
                if client < 0 {
                    if readable(fd) { client = accept(fd, nil, nil) }
                    continue
                }
                guard readable(client) else { continue }
                let n = buf.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
                if n <= 0 { close(client); client = -1; continue }
                pending += String(decoding: buf[0..<n], as: UTF8.self)
                // The replayed messages carry Content-Length: 0, so each ends at the empty line.
                while let end = pending.range(of: "\r\n\r\n") {
                    let text = String(pending[..<end.upperBound])
                    pending.removeSubrange(..<end.upperBound)
                    if let reply = handle(text) { _ = Array(reply.utf8).withUnsafeBytes { write(client, $0.baseAddress, $0.count) } }
                }
            }
        }
        if client >= 0 { close(client) }
    }

    private func handle(_ text: String) -> String? {
        lock.lock(); texts.append(text); lock.unlock()
        let lines = text.components(separatedBy: "\r\n")
        guard let first = lines.first, first.hasSuffix(" SIP/2.0"), !first.hasPrefix("ACK ") else { return nil }
        func header(_ name: String) -> [String] { lines.filter { $0.lowercased().hasPrefix(name.lowercased() + ":") } }
        var out = ["SIP/2.0 200 OK"] + header("Via") + header("From")
        out += header("To").map { $0.contains("tag=") ? $0 : $0 + ";tag=cli-peer" }
        out += header("Call-ID") + header("CSeq") + ["Content-Length: 0", "", ""]
        return out.joined(separator: "\r\n")
    }
}

/// `ims-harness replay` against a loopback peer, with a capture the `audit` tests ship.
@Suite(.serialized) struct ReplayCommandTests {
    // ims-pai-leak.pcap: the UE (10.0.0.10) sends INVITE, ACK and BYE for Call-ID leak-1@10.0.0.10.
    static let capture = AuditCommandTests.path("ims-pai-leak.pcap")

    static func header(_ name: String, _ text: String) -> String? {
        text.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
            .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
    }

    @Test(arguments: [true, false])
    func replaysInOrderAndReportsReplies(udp: Bool) throws {
        let peer = TextPeer(udp: udp)
        defer { peer.stop() }
        let r = try CLI.run(["replay", Self.capture, "--to", "\(udp ? "udp" : "tcp"):127.0.0.1:\(peer.port)", "--wait", "0.5"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let got = peer.received
        #expect(got.map { $0.components(separatedBy: " ").first ?? "" } == ["INVITE", "ACK", "BYE"])
        #expect(got.allSatisfy { Self.header("Call-ID", $0) == "leak-1@10.0.0.10" })
        #expect(r.stdout.contains("sent: INVITE sip:+12025550155@peer.example;user=phone"))
        #expect(r.stdout.contains("received: 200 OK (Call-ID leak-1@10.0.0.10)"))
        #expect(r.stdout.contains("3 sent, 2 received"), "\(r.stdout)")
    }

    @Test func rewriteGivesFreshIdentifiersAndPointsAtUs() throws {
        let peer = TextPeer(udp: true)
        defer { peer.stop() }
        let r = try CLI.run(["replay", Self.capture, "--to", "udp:127.0.0.1:\(peer.port)", "--rewrite", "--wait", "0.5"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let got = peer.received
        try #require(got.count == 3)
        let callIDs = got.compactMap { Self.header("Call-ID", $0) }
        #expect(Set(callIDs).count == 1 && callIDs.first != "leak-1@10.0.0.10")
        for text in got {
            let via = Self.header("Via", text) ?? ""
            #expect(via.hasPrefix("SIP/2.0/UDP 127.0.0.1:") && !via.contains("z9hG4bKue"), "\(via)")
            #expect(Self.header("From", text)?.contains("tag=ue-1") == false)
        }
        // ACK and BYE use the To tag the peer answered with.
        #expect(Self.header("To", got[1])?.hasSuffix("tag=cli-peer") == true)
        #expect(Self.header("To", got[2])?.hasSuffix("tag=cli-peer") == true)
    }

    @Test func filterSelectsByCallIDAndSender() throws {
        let peer = TextPeer(udp: true)
        defer { peer.stop() }
        let none = try CLI.run(["replay", Self.capture, "--to", "udp:127.0.0.1:\(peer.port)", "--filter", "call-id=other@x", "--wait", "0"])
        #expect(none.status == 0)
        #expect(none.stdout.contains("0 sent"))
        let pcscf = try CLI.run(["replay", Self.capture, "--to", "udp:127.0.0.1:\(peer.port)", "--filter", "from=10.0.0.2", "--wait", "0.3"])
        #expect(pcscf.status == 0, "\(pcscf.stderr)")
        // The P-CSCF sent one request (the INVITE to the S-CSCF, over TCP in the capture).
        #expect(pcscf.stdout.contains("1 sent"), "\(pcscf.stdout)")
        #expect(peer.received.count == 1)
    }

    @Test func transportFailureExitsNonZero() throws {
        let closed = TextPeer(udp: false)
        let port = closed.port
        closed.stop()  // nothing listens there now: connection refused
        let r = try CLI.run(["replay", Self.capture, "--to", "tcp:127.0.0.1:\(port)", "--wait", "0"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("cannot connect to tcp:127.0.0.1:\(port)"), "\(r.stderr)")
        #expect(try CLI.run(["replay", Self.capture, "--to", "sctp:127.0.0.1:5060"]).status == 2)
        #expect(try CLI.run(["replay", "/nonexistent.pcap", "--to", "udp:127.0.0.1:9"]).status == 2)
    }
}
