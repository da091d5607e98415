import Capture
import Foundation
import SIPCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A SIP peer on 127.0.0.1 (random free port) for replay tests: records every message it
/// gets and answers each request but ACK with `200 OK` carrying its own To tag. Plain POSIX
/// sockets on a thread, so it shares nothing with the SwiftNIO code under test; every wait
/// is bounded.
final class LoopbackPeer: @unchecked Sendable {
    let transport: TransportProtocol
    private(set) var port: UInt16 = 0
    private let fd: Int32
    private let lock = NSLock()
    private var messages: [SIPMessage] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)
    static let tag = "peer-7"

    init(_ transport: TransportProtocol) throws {
        self.transport = transport
        fd = socket(AF_INET, Int32(transport == .udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PeerError("socket failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { close(fd); throw PeerError("bind failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = UInt16(bigEndian: addr.sin_port)
        if transport == .tcp { listen(fd, 4) }
        let thread = Thread { [self] in
            if transport == .udp { udpLoop() } else { tcpLoop() }
            done.signal()
        }
        thread.start()
    }

    struct PeerError: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }

    var target: ReplayTarget { ReplayTarget(parsing: "\(transport.rawValue):127.0.0.1:\(port)")! }

    var received: [SIPMessage] {
        lock.lock(); defer { lock.unlock() }
        return messages
    }

    /// Stops the loop (it notices within 50 ms) and closes the socket.
    func stop() {
        lock.lock(); stopped = true; lock.unlock()
        _ = done.wait(timeout: .now() + 5)
        close(fd)
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    /// Waits up to 50 ms for `fd` to be readable; the loops end after 20 s whatever happens.
    private func readable(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 50) > 0
    }

    private func udpLoop() {
        let deadline = Date().addingTimeInterval(20)
        var buf = [UInt8](repeating: 0, count: 65536)
        while !isStopped, Date() < deadline {
            guard readable(fd) else { continue }
            var from = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = buf.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, 0, $0, &len) } }
            }
            guard n > 0, let m = try? SIPMessage(parsing: Array(buf[0..<n])) else { continue }
            record(m)
            if let reply = Self.answer(m) {
                _ = reply.withUnsafeBytes { b in
                    withUnsafePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, b.baseAddress, b.count, 0, $0, len) } }
                }
            }
        }
    }

    private func tcpLoop() {
        let deadline = Date().addingTimeInterval(20)
        var client: Int32 = -1
        var framer = SIPStreamFramer()
        var buf = [UInt8](repeating: 0, count: 65536)
        while !isStopped, Date() < deadline {
            if client < 0 {
                if readable(fd) { client = accept(fd, nil, nil) }
                continue
            }
            guard readable(client) else { continue }
            let n = buf.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            if n <= 0 { close(client); client = -1; continue }
            framer.append(Array(buf[0..<n]))
            while let e = framer.next() {
                guard case .message(let m) = e else { continue }
                record(m)
                if let reply = Self.answer(m) { _ = reply.withUnsafeBytes { write(client, $0.baseAddress, $0.count) } }
            }
        }
        if client >= 0 { close(client) }
    }

    private func record(_ m: SIPMessage) {
        lock.lock(); defer { lock.unlock() }
        messages.append(m)
    }

    /// `200 OK` to every request but ACK, To tag added when the request had none.
    static func answer(_ m: SIPMessage) -> [UInt8]? {
        guard m.isRequest, m.method != "ACK" else { return nil }
        var lines = ["SIP/2.0 200 OK"]
        lines += m.values(.via).map { "Via: \($0)" }
        lines.append("From: \(m.value(.from) ?? "")")
        let to = m.value(.to) ?? ""
        lines.append("To: \(to.contains("tag=") ? to : to + ";tag=\(tag)")")
        lines += ["Call-ID: \(m.value(.callID) ?? "")", "CSeq: \(m.value(.cseq) ?? "")", "Content-Length: 0"]
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }
}

/// A capture of two calls from 192.0.2.10 (INVITE, ACK, BYE each, with the callee's
/// replies in between) and one OPTIONS from another host, for replay.
enum ReplaySample {
    static let alice = Endpoint(parsing: "192.0.2.10:5060")!
    static let bob = Endpoint(parsing: "192.0.2.20:5060")!
    static let other = Endpoint(parsing: "192.0.2.99:5060")!

    static func request(_ method: String, call: Int, cseq: Int, toTag: Bool, branch: String) -> String {
        ["\(method) sip:bob@192.0.2.20 SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK\(branch)", "Max-Forwards: 70",
         "From: <sip:alice@example.com>;tag=alice-\(call)", "To: <sip:bob@example.com>" + (toTag ? ";tag=bob-\(call)" : ""),
         "Call-ID: call-\(call)@192.0.2.10", "CSeq: \(cseq) \(method)", "Contact: <sip:alice@192.0.2.10:5060>",
         "Content-Length: 0"].joined(separator: "\r\n") + "\r\n\r\n"
    }

    static func ok(call: Int, cseq: String) -> String {
        ["SIP/2.0 200 OK", "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKx", "From: <sip:alice@example.com>;tag=alice-\(call)",
         "To: <sip:bob@example.com>;tag=bob-\(call)", "Call-ID: call-\(call)@192.0.2.10", "CSeq: \(cseq)",
         "Content-Length: 0"].joined(separator: "\r\n") + "\r\n\r\n"
    }

    static func write(to path: String) throws {
        let w = try PcapWriter(path: path)
        var t: Int64 = 1_700_000_000_000_000_000
        func send(_ s: Endpoint, _ d: Endpoint, _ text: String) throws {
            t += 1_000_000
            try w.write(time: t, src: s, dst: d, transport: .udp, payload: Array(text.utf8))
        }
        for call in 1...2 {
            try send(alice, bob, request("INVITE", call: call, cseq: 1, toTag: false, branch: "inv\(call)"))
            try send(bob, alice, ok(call: call, cseq: "1 INVITE"))
            try send(alice, bob, request("ACK", call: call, cseq: 1, toTag: true, branch: "ack\(call)"))
            try send(other, bob, request("OPTIONS", call: 9, cseq: 1, toTag: false, branch: "opt\(call)"))
            try send(alice, bob, request("BYE", call: call, cseq: 2, toTag: true, branch: "bye\(call)"))
            try send(bob, alice, ok(call: call, cseq: "2 BYE"))
        }
        try w.close()
    }

    static func path() throws -> String {
        let p = Fixtures.tempPath("replay.pcap")
        try write(to: p)
        return p
    }
}

@Suite(.serialized) struct ReplayTests {
    func options(rewrite: Bool = false, callID: String? = nil) -> ReplayOptions {
        var o = ReplayOptions()
        o.rewrite = rewrite
        o.callID = callID
        o.waitSeconds = 0.3
        o.seed = 42
        return o
    }

    @Test func selectsOneSidesRequests() throws {
        let path = try ReplaySample.path()
        let all = try CaptureReplayer.requests(path: path, options: options())
        #expect(all.map { $0.message.method ?? "" } == ["INVITE", "ACK", "BYE", "INVITE", "ACK", "BYE"])
        let one = try CaptureReplayer.requests(path: path, options: options(callID: "call-2@192.0.2.10"))
        #expect(one.map { $0.message.value(.callID) ?? "" } == Array(repeating: "call-2@192.0.2.10", count: 3))
        var other = options()
        other.from = ReplaySample.other.address
        #expect(try CaptureReplayer.requests(path: path, options: other).map { $0.message.method ?? "" } == ["OPTIONS", "OPTIONS"])
    }

    @Test(arguments: [TransportProtocol.udp, .tcp])
    func sendsInOrderAndReportsReplies(transport: TransportProtocol) async throws {
        let peer = try LoopbackPeer(transport)
        defer { peer.stop() }
        let path = try ReplaySample.path()
        let messages = try CaptureReplayer.requests(path: path, options: options())
        let result = try await CaptureReplayer.run(messages, to: peer.target, options: options())
        let got = peer.received
        // Unchanged bytes, in capture order.
        #expect(got.map(\.bytes) == messages.map(\.message.bytes))
        #expect(result.sent == messages.map(\.message.summary))
        // 200 to both INVITEs and both BYEs, nothing to the ACKs.
        #expect(result.received.count == 4, "\(result.received)")
        #expect(result.received.allSatisfy { $0.hasPrefix("200 OK (Call-ID call-") })
    }

    @Test(arguments: [TransportProtocol.udp, .tcp])
    func rewriteGivesFreshIdentifiersPointingAtUs(transport: TransportProtocol) async throws {
        let peer = try LoopbackPeer(transport)
        defer { peer.stop() }
        let messages = try CaptureReplayer.requests(path: try ReplaySample.path(), options: options())
        _ = try await CaptureReplayer.run(messages, to: peer.target, options: options(rewrite: true))
        let got = peer.received
        try #require(got.count == 6)
        #expect(got.map { $0.method ?? "" } == ["INVITE", "ACK", "BYE", "INVITE", "ACK", "BYE"])
        let callIDs = got.map { $0.value(.callID) ?? "" }
        #expect(Set(callIDs).count == 2, "one fresh Call-ID per captured call")
        #expect(callIDs[0] == callIDs[1] && callIDs[1] == callIDs[2] && callIDs[3] == callIDs[5])
        #expect(!callIDs.contains { $0.hasPrefix("call-") })
        let vias = got.map { $0.values(.via) }
        #expect(vias.allSatisfy { $0.count == 1 })
        let branches = vias.compactMap { $0.first?.components(separatedBy: "branch=").last?.components(separatedBy: ";").first }
        #expect(Set(branches).count == 6 && branches.allSatisfy { $0.hasPrefix("z9hG4bK") && !$0.contains("inv") && !$0.contains("bye") })
        // Via and Contact name the replayer's own socket (127.0.0.1 and a real port).
        for m in got {
            let via = m.value(.via) ?? ""
            #expect(via.hasPrefix("SIP/2.0/\(transport.rawValue.uppercased()) 127.0.0.1:"), "\(via)")
            #expect(!via.contains("192.0.2.10"))
            if let contact = m.value(.contact) {
                #expect(contact.contains("@127.0.0.1:") && !contact.contains("192.0.2.10"))
            }
        }
        let fromTags = got.map { $0.value(.from) ?? "" }
        #expect(!fromTags.contains { $0.contains("tag=alice-") })
        // In-dialog requests carry the tag the peer gave in its 200, not the captured one.
        for i in [1, 2, 4, 5] {
            #expect(got[i].value(.to)?.hasSuffix(";tag=\(LoopbackPeer.tag)") == true, "\(got[i].value(.to) ?? "")")
        }
    }

    @Test func filterByCallIDSendsOnlyThatCall() async throws {
        let peer = try LoopbackPeer(.udp)
        defer { peer.stop() }
        let o = options(callID: "call-1@192.0.2.10")
        let messages = try CaptureReplayer.requests(path: try ReplaySample.path(), options: o)
        let result = try await CaptureReplayer.run(messages, to: peer.target, options: o)
        #expect(peer.received.map { $0.value(.callID) ?? "" } == Array(repeating: "call-1@192.0.2.10", count: 3))
        #expect(result.received.count == 2)
    }

    @Test func refusedTCPConnectionThrows() async throws {
        // A port that was free a moment ago: nothing listens there.
        let peer = try LoopbackPeer(.tcp)
        let target = ReplayTarget(parsing: "tcp:127.0.0.1:\(peer.port)")!
        peer.stop()
        let messages = try CaptureReplayer.requests(path: try ReplaySample.path(), options: options())
        await #expect(throws: ReplayError.self) {
            _ = try await CaptureReplayer.run(messages, to: target, options: options())
        }
    }
}
