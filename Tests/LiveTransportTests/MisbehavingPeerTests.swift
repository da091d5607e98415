import Foundation
import LiveTransport
import Network
import NIOCore
import NIOPosix
import SIPCore
import XCTest

/// A TCP/UDP peer of our own that misbehaves on purpose.
final class MisbehavingPeer: @unchecked Sendable {
    enum Mode: Sendable {
        /// Sends these bytes on every read (TCP) or datagram (UDP), optionally closing after.
        case reply([UInt8], close: Bool)
        /// Sends `chunk` again and again (up to `total` bytes): a flood without message ends.
        case flood(chunk: [UInt8], total: Int)
        /// Reads and never answers.
        case silent
    }

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var channel: Channel?
    var port: Int { channel?.localAddress?.port ?? 0 }

    init(tcp: Bool, mode: Mode) throws {
        if tcp {
            channel = try ServerBootstrap(group: group)
                .childChannelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(TCPBehaviour(mode: mode)) }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        } else {
            channel = try DatagramBootstrap(group: group)
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(UDPBehaviour(mode: mode)) }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        }
    }

    func stop() {
        _ = try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }
}

final class TCPBehaviour: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let mode: MisbehavingPeer.Mode
    init(mode: MisbehavingPeer.Mode) { self.mode = mode }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch mode {
        case .silent: break
        case .reply(let bytes, let close):
            let f = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)))
            if close { f.whenComplete { _ in context.close(promise: nil) } }
        case .flood(let chunk, let total):
            var sent = 0
            while sent < total, context.channel.isActive {
                context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: chunk)), promise: nil)
                sent += chunk.count
            }
            context.flush()
        }
    }
    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}

final class UDPBehaviour: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let mode: MisbehavingPeer.Mode
    init(mode: MisbehavingPeer.Mode) { self.mode = mode }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let env = unwrapInboundIn(data)
        if case .reply(let bytes, _) = mode {
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: env.remoteAddress,
                                                                    data: context.channel.allocator.buffer(bytes: bytes))), promise: nil)
        }
    }
}

final class MisbehavingPeerTests: XCTestCase {
    /// The UE calls the peer over `kind`; returns (outcome, trace, elapsed ms).
    func callPeer(tcp: Bool, mode: MisbehavingPeer.Mode, limits: ParseLimits = .default, timeoutMs: Int64 = 1_500)
        throws -> (LiveOutcome?, [LiveTraceEvent], Int64, LiveRig) {
        let peer = try MisbehavingPeer(tcp: tcp, mode: mode)
        defer { peer.stop() }
        var l = SIPCoreLimits()
        l.value = limits
        let rig = LiveRig(limits: l)
        let kind: TransportKind = tcp ? .tcp : .udp
        let (ue, _) = try rig.agent("ue", user: "alice", on: LiveEndpoint(kind, host: "127.0.0.1", port: 0))
        rig.transport.addPeer("sut", at: LiveEndpoint(kind, host: "127.0.0.1", port: peer.port))
        let start = Date()
        let call = rig.on { () -> LiveCall in
            ue.transactionTimeoutMs = timeoutMs
            return ue.call(label: "c", via: "sut", requestURI: "sip:bob@127.0.0.1:\(peer.port)")
        }
        // Bounded: the transaction timeout plus slack, never the test's whole budget.
        let ended = rig.driver.wait(timeoutMs: timeoutMs + 3_000) { call.outcome != nil }
        let elapsed = Int64(Date().timeIntervalSince(start) * 1000)
        XCTAssertTrue(ended, "the call must end within its timeout")
        XCTAssertLessThan(elapsed, timeoutMs + 3_000)
        return (rig.on { call.outcome }, rig.transport.trace, elapsed, rig)
    }

    func testTCPGarbageClosesTheConnectionAndFailsTheCall() throws {
        let garbage = Array(repeating: Array("\u{1}\u{2}GARBAGE \u{ff}\r\n".utf8), count: 50).flatMap { $0 }
        let (outcome, trace, _, rig) = try callPeer(tcp: true, mode: .reply(garbage, close: false))
        defer { rig.close() }
        guard case .timedOut = outcome else { return XCTFail("expected a timeout, got \(String(describing: outcome))") }
        XCTAssertTrue(trace.contains { $0.kind == .error && $0.note.contains("framing error") && $0.from == "sut" },
                      rig.traceText())
        XCTAssertTrue(trace.contains { $0.kind == .connection && $0.note == "closed" })
        XCTAssertFalse(trace.contains { $0.kind == .delivered })
        XCTAssertEqual(rig.transport.openConnectionCount, 0)
    }

    func testTruncatedTCPStreamIsReportedWithEvidence() throws {
        let partial = Array("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKx\r\nContent-Length: 400\r\n\r\nonly-a-part".utf8)
        let (outcome, trace, _, rig) = try callPeer(tcp: true, mode: .reply(partial, close: true))
        defer { rig.close() }
        guard case .timedOut = outcome else { return XCTFail("expected a timeout, got \(String(describing: outcome))") }
        XCTAssertTrue(trace.contains { $0.kind == .error && $0.note.contains("incomplete message (truncated stream)") },
                      rig.traceText())
        XCTAssertFalse(trace.contains { $0.kind == .delivered })
    }

    func testOversizedTCPMessageIsCutOffWithBoundedMemory() throws {
        // 8 MiB of header bytes that never end: the framer gives up at its line/message limit.
        let line = Array("X-Filler: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 1000)
        let chunk = Array("SIP/2.0 200 OK\r\n".utf8) + Array(repeating: line + [13, 10], count: 64).flatMap { $0 }
        var limits = ParseLimits.default
        limits.maxMessageSize = 16 * 1024
        let (outcome, trace, _, rig) = try callPeer(tcp: true, mode: .flood(chunk: chunk, total: 8 << 20), limits: limits)
        defer { rig.close() }
        guard case .timedOut = outcome else { return XCTFail("expected a timeout, got \(String(describing: outcome))") }
        XCTAssertTrue(trace.contains { $0.kind == .error && $0.note.contains("framing error") }, rig.traceText())
        XCTAssertEqual(rig.transport.openConnectionCount, 0)
    }

    func testOversizedDatagramIsDropped() throws {
        var limits = ParseLimits.default
        limits.maxMessageSize = 4096
        let big = Array("SIP/2.0 200 OK\r\n".utf8) + Array(repeating: UInt8(ascii: "b"), count: 20_000)
        let (outcome, trace, _, rig) = try callPeer(tcp: false, mode: .reply(big, close: false), limits: limits)
        defer { rig.close() }
        guard case .timedOut = outcome else { return XCTFail("expected a timeout, got \(String(describing: outcome))") }
        XCTAssertTrue(trace.contains { $0.kind == .error && $0.note.contains("exceeds the 4096-byte limit") }, rig.traceText())
    }

    func testUDPGarbageIsRecordedAndTheUAKeepsGoing() throws {
        let (outcome, trace, _, rig) = try callPeer(tcp: false, mode: .reply(Array("\u{0}\u{1}not sip at all".utf8), close: false))
        defer { rig.close() }
        guard case .timedOut = outcome else { return XCTFail("expected a timeout, got \(String(describing: outcome))") }
        XCTAssertTrue(trace.contains { $0.kind == .delivered && $0.from == "sut" })
        // Every retransmission drew garbage; none was taken for a response.
        XCTAssertGreaterThan(trace.filter { $0.kind == .sent && $0.note == "retransmission" }.count, 0)
    }

    func testSilentPeerTimesOutWithinTheLimit() throws {
        let (outcome, trace, elapsed, rig) = try callPeer(tcp: false, mode: .silent, timeoutMs: 1_000)
        defer { rig.close() }
        XCTAssertEqual(outcome.map { if case .timedOut = $0 { true } else { false } }, true)
        XCTAssertGreaterThanOrEqual(elapsed, 900)
        XCTAssertFalse(trace.contains { $0.kind == .delivered })
        XCTAssertGreaterThanOrEqual(trace.filter { $0.kind == .sent }.count, 2, "INVITE and at least one retransmission")
    }

    func testConnectionRefusedFailsFast() throws {
        let port = try freePort(udp: false)
        let rig = LiveRig()
        defer { rig.close() }
        let (ue, _) = try rig.agent("ue", user: "alice", on: LiveEndpoint(.tcp, host: "127.0.0.1", port: 0))
        rig.transport.addPeer("sut", at: LiveEndpoint(.tcp, host: "127.0.0.1", port: port))
        let call = rig.on { () -> LiveCall in
            ue.transactionTimeoutMs = 1_000
            return ue.call(label: "c", via: "sut", requestURI: "sip:bob@127.0.0.1:\(port)")
        }
        XCTAssertTrue(rig.driver.wait(timeoutMs: 4_000) { call.outcome != nil })
        XCTAssertTrue(rig.transport.trace.contains { $0.kind == .error && $0.note.contains("connect to") }, rig.traceText())
    }
}
