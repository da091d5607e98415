import Histogram
import Identity
import Network
import NIOCore
import NIOPosix

/// One event loop's share of a load run. Everything here runs on `loop`: no locks. Messages
/// come from byte templates (only branch, tag, Call-ID and the Identity header change per
/// call) and responses are read by scanning a few header lines, not by a full parse.
final class LoadWorker: @unchecked Sendable {
    struct Snapshot: Sendable {
        var started = 0, completed = 0, failed = 0
        var finished = false
    }

    struct Collected {
        var started = 0, completed = 0, failed = 0
        var failures: [String: Int] = [:]
        var h180: Histogram<UInt64>
        var h200: Histogram<UInt64>
        var lastEventNs: Int64 = 0
    }

    enum Phase: UInt8 { case idle, inviting, byeing, done }

    /// Plain values only, so reading a call's state copies no references.
    struct Call {
        var phase = Phase.idle
        var provisional = false
        var got180 = false
        /// Some response to the INVITE arrived.
        var answered = false
        var retransmitMs: UInt32 = 500
        var inviteNs: UInt64 = 0
        var lastSendNs: UInt64 = 0
    }

    let index: Int
    let loop: any EventLoop
    let config: LoadConfig
    let remote: NIOCore.SocketAddress
    let total: Int
    let rate: Double
    let concurrency: Int?
    var channel: Channel?
    var calls: [Call]
    /// The INVITE as sent (retransmitted byte for byte) until a final response.
    var invites: [ByteBuffer?]
    /// The To value of the 2xx (with the callee's tag), for ACK and BYE.
    var toValues: [[UInt8]]
    var issued = 0, completed = 0, failed = 0, inFlight = 0
    var failures: [String: Int] = [:]
    var h180 = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
    var h200 = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
    var startNs: UInt64 = 0
    var lastEventNs: Int64 = 0
    var aborted = false
    var stopStarting = false
    var sweepCursor = 0
    /// At most 20 ms worth of calls per tick: a loop that was descheduled catches up without a
    /// burst that would overflow the target's socket buffer.
    let perTickCap: Int
    /// INVITEs without any response yet, and the most allowed (10 ms worth of calls, at most
    /// 150): past that the target is queueing, and starting more only lengthens its queue,
    /// slows it down and ends in INVITE retransmissions (500 ms) and a collapse of completed
    /// calls, so starting waits as it does for --concurrency.
    var unanswered = 0
    let maxUnanswered: Int
    let token: String
    let tokenBytes: [UInt8]

    // Templates.
    var inviteHead: [UInt8] = []   // "INVITE uri SIP/2.0\r\nVia: ...;branch=z9hG4bK-"
    var ackHead: [UInt8] = []
    var byeHead: [UInt8] = []
    var fromTag: [UInt8] = []       // "\r\nMax-Forwards: 70\r\nFrom: <...>;tag="
    var callIDHead: [UInt8] = []    // "\r\nCall-ID: "
    var inviteTail: [UInt8] = []    // "\r\nCSeq: 1 INVITE\r\nContact...\r\n" (headers before Identity)
    var inviteBody: [UInt8] = []    // "Content-Type...\r\n\r\nSDP"
    var ackTail: [UInt8] = []
    var byeTail: [UInt8] = []
    var toHead: [UInt8] = []        // "\r\nTo: "
    var inviteTo: [UInt8] = []
    let identityName = Array("Identity: ".utf8), crlf = Array("\r\n".utf8)
    var signer: LoadSigner?
    /// `iat` for the INVITEs of one tick: the clock is read once per tick, not per call.
    var iat: Int64 = 0
    let callerTN: String, calleeTN: String

    init(index: Int, loop: any EventLoop, config: LoadConfig, remote: NIOCore.SocketAddress, calls: Int, rate: Double, concurrency: Int?) {
        self.index = index
        self.loop = loop
        self.config = config
        self.remote = remote
        total = calls
        self.rate = rate
        self.concurrency = concurrency
        self.calls = Array(repeating: Call(), count: calls)
        invites = Array(repeating: nil, count: calls)
        toValues = Array(repeating: [], count: calls)
        perTickCap = max(16, Int(rate / 50))
        maxUnanswered = max(64, min(Int(rate / 100), 150))
        token = String(UInt32(truncatingIfNeeded: getpid()), radix: 36)
        tokenBytes = Array(token.utf8)
        callerTN = config.callerTN
        calleeTN = config.calleeTN
    }

    func open() throws {
        if let s = config.signer { signer = try LoadSigner(s, callerTN: callerTN, calleeTN: calleeTN) }
        let me = UncheckedBox(self)
        let ch: Channel
        do {
            ch = try DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 8_192))
                .channelOption(.datagramVectorReadMessageCount, value: 16)
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(LoadHandler(worker: me.value)) }
                }
                .bind(host: config.localHost, port: 0).wait()
        } catch {
            throw LoadError.setup("cannot open a UDP socket on \(config.localHost): \(error)")
        }
        channel = ch
        buildTemplates(local: LiveTransport.address(ch.localAddress))
    }

    private func buildTemplates(local: Network.SocketAddress) {
        let t = config.target.address
        let uri = "sip:\(calleeTN)@\(t.uriHost):\(t.port)"
        let via = "Via: SIP/2.0/UDP \(local.uriHost):\(local.port);branch=z9hG4bK"
        inviteHead = Array("INVITE \(uri) SIP/2.0\r\n\(via)i".utf8)
        ackHead = Array("ACK \(uri) SIP/2.0\r\n\(via)a".utf8)
        byeHead = Array("BYE \(uri) SIP/2.0\r\n\(via)b".utf8)
        fromTag = Array("\r\nMax-Forwards: 70\r\nFrom: <sip:+\(callerTN)@\(local.uriHost)>;tag=".utf8)
        toHead = Array("\r\nTo: ".utf8)
        inviteTo = Array("<sip:+\(calleeTN)@\(t.uriHost):\(t.port)>".utf8)
        callIDHead = Array("\r\nCall-ID: ".utf8)
        inviteTail = Array("\r\nCSeq: 1 INVITE\r\nContact: <sip:load@\(local.uriHost):\(local.port)>\r\n".utf8)
        let sdp = "v=0\r\no=load 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        inviteBody = Array("Content-Type: application/sdp\r\nContent-Length: \(sdp.utf8.count)\r\n\r\n\(sdp)".utf8)
        ackTail = Array("\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n".utf8)
        byeTail = Array("\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n".utf8)
    }

    /// `<token>-<worker>-<index>`: the id carries the call's slot, so a response finds it without a table lookup.
    private func writeID(_ buf: inout ByteBuffer, _ i: Int) {
        buf.writeBytes(tokenBytes)
        buf.writeInteger(UInt8(ascii: "-"))
        writeDecimal(&buf, index)
        buf.writeInteger(UInt8(ascii: "-"))
        writeDecimal(&buf, i)
    }

    private func writeDecimal(_ buf: inout ByteBuffer, _ v: Int) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = v, count = 0
        withUnsafeMutableBytes(of: &digits) { p in
            repeat {
                p[count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            } while n > 0 && count < 12
            for k in stride(from: count - 1, through: 0, by: -1) { buf.writeInteger(p[k]) }
        }
    }

    // MARK: Running (on the loop)

    func start(at start: NIODeadline) {
        let me = UncheckedBox(self)
        loop.execute {
            me.value.startNs = start.uptimeNanoseconds
            me.value.tick()
        }
    }

    private func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    private func tick() {
        guard !aborted else { return }
        let t = now()
        let elapsed = Double(t - startNs) / 1e9
        if let d = config.durationSeconds, elapsed >= d { stopStarting = true }
        if !stopStarting {
            if signer != nil { iat = config.clock?.secondsSince1970() ?? 0 }
            let due = min(total, Int(elapsed * rate) + 1, issued + perTickCap)
            while issued < due {
                if let c = concurrency, inFlight >= c { break }
                if unanswered >= maxUnanswered { break }
                startCall(issued, t)
                issued += 1
            }
            if issued >= total { stopStarting = true }
        }
        sweep(t)
        channel?.flush()
        if stopStarting && inFlight == 0 { return }
        loop.assumeIsolated().scheduleTask(in: .milliseconds(1)) { [self] in tick() }
    }

    private func startCall(_ i: Int, _ t: UInt64) {
        guard let ch = channel else { return }
        var buf = ch.allocator.buffer(capacity: 1400)
        buf.writeBytes(inviteHead); writeID(&buf, i)
        buf.writeBytes(fromTag); writeID(&buf, i)
        buf.writeBytes(toHead); buf.writeBytes(inviteTo)
        buf.writeBytes(callIDHead); writeID(&buf, i)
        buf.writeBytes(inviteTail)
        if signer != nil {
            do {
                buf.writeBytes(identityName)
                try signer!.writeIdentity(into: &buf, iat: iat, slot: UInt64(index) << 32 | UInt64(i))
                buf.writeBytes(crlf)
            } catch {
                fail(i, "signing: \(error)")
                inFlight += 1
                return
            }
        }
        buf.writeBytes(inviteBody)
        calls[i] = Call(phase: .inviting, inviteNs: t, lastSendNs: t)
        invites[i] = buf
        inFlight += 1
        unanswered += 1
        ch.write(AddressedEnvelope(remoteAddress: remote, data: buf), promise: nil)
    }

    /// Timeouts and UDP retransmissions (T1 doubling up to T2), a slice of calls per tick.
    private func sweep(_ t: UInt64) {
        guard issued > 0 else { return }
        let timeoutNs = UInt64(config.timeoutMs) * 1_000_000
        let n = min(issued, max(64, issued / 50))
        for _ in 0..<n {
            if sweepCursor >= issued { sweepCursor = 0 }
            let i = sweepCursor
            sweepCursor += 1
            let c = calls[i]
            guard c.phase == .inviting || c.phase == .byeing else { continue }
            if t - c.inviteNs > timeoutNs {
                fail(i, c.phase == .byeing ? "timeout: no final response to BYE"
                     : c.provisional ? "timeout: no final response to INVITE" : "timeout: no response to INVITE")
                continue
            }
            if t - c.lastSendNs > UInt64(c.retransmitMs) * 1_000_000, !(c.phase == .inviting && c.provisional) {
                calls[i].lastSendNs = t
                calls[i].retransmitMs = min(c.retransmitMs * 2, 4_000)
                if c.phase == .inviting, let inv = invites[i] {
                    channel?.write(AddressedEnvelope(remoteAddress: remote, data: inv), promise: nil)
                } else if c.phase == .byeing {
                    sendInDialog(i, bye: true)
                }
            }
        }
    }

    private func fail(_ i: Int, _ cause: String) {
        guard calls[i].phase != .done else { return }
        if calls[i].phase == .inviting, !calls[i].answered { unanswered -= 1 }
        calls[i].phase = .done
        invites[i] = nil
        failures[cause, default: 0] += 1
        failed += 1
        inFlight -= 1
        lastEventNs = Int64(now())
    }

    private func sendInDialog(_ i: Int, bye: Bool) {
        guard let ch = channel else { return }
        var buf = ch.allocator.buffer(capacity: 400)
        buf.writeBytes(bye ? byeHead : ackHead); writeID(&buf, i)
        buf.writeBytes(fromTag); writeID(&buf, i)
        buf.writeBytes(toHead); buf.writeBytes(toValues[i])
        buf.writeBytes(callIDHead); writeID(&buf, i)
        buf.writeBytes(bye ? byeTail : ackTail)
        ch.write(AddressedEnvelope(remoteAddress: remote, data: buf), promise: nil)
    }

    /// A datagram from the target.
    func received(_ buf: ByteBuffer) {
        let t = now()
        buf.withUnsafeReadableBytes { p in
            guard let r = ResponseScan(p), let i = r.slot(token: tokenBytes, worker: index), i < issued else { return }
            let c = calls[i]
            if r.isBye {
                guard c.phase == .byeing, r.status >= 200 else { return }
                if r.status < 300 {
                    calls[i].phase = .done
                    completed += 1
                    inFlight -= 1
                    lastEventNs = Int64(t)
                } else {
                    fail(i, "BYE answered \(r.status)")
                }
                return
            }
            guard r.isInvite else { return }
            if c.phase == .inviting, !c.answered {
                calls[i].answered = true
                unanswered -= 1
            }
            if r.status == 180, !c.got180, c.phase == .inviting {
                calls[i].got180 = true
                _ = h180.record((t - c.inviteNs) / 1000)
            }
            if r.status < 200 {
                calls[i].provisional = true
                return
            }
            if r.status < 300 {
                if c.phase == .inviting {
                    _ = h200.record((t - c.inviteNs) / 1000)
                    toValues[i] = Array(p[r.to])
                    calls[i].phase = .byeing
                    invites[i] = nil
                    calls[i].lastSendNs = t
                    calls[i].retransmitMs = 500
                    sendInDialog(i, bye: false)
                    sendInDialog(i, bye: true)
                } else if c.phase == .byeing || c.phase == .done {
                    sendInDialog(i, bye: false)  // 2xx retransmitted: ACK again
                }
            } else if c.phase == .inviting {
                toValues[i] = Array(p[r.to])
                sendInDialog(i, bye: false)
                fail(i, "INVITE answered \(r.status)")
            }
        }
    }

    // MARK: From other threads

    func snapshot() -> Snapshot {
        let me = UncheckedBox(self)
        return (try? loop.submit {
            let w = me.value
            return Snapshot(started: w.issued, completed: w.completed, failed: w.failed,
                            finished: w.stopStarting && w.inFlight == 0)
        }.wait()) ?? Snapshot(finished: true)
    }

    func abort() {
        let me = UncheckedBox(self)
        try? loop.submit {
            let w = me.value
            w.aborted = true
            for i in 0..<w.issued where w.calls[i].phase != .done { w.fail(i, "run limit reached with the call unfinished") }
        }.wait()
    }

    func collect() -> Collected {
        let me = UncheckedBox(self)
        return (try? loop.submit {
            let w = me.value
            return UncheckedBox(Collected(started: w.issued, completed: w.completed, failed: w.failed, failures: w.failures,
                                          h180: w.h180, h200: w.h200, lastEventNs: w.lastEventNs))
        }.wait())?.value ?? Collected(h180: h180, h200: h200)
    }

    func close() { _ = try? channel?.close().wait() }
}

final class LoadHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let worker: LoadWorker
    init(worker: LoadWorker) { self.worker = worker }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { worker.received(unwrapInboundIn(data).data) }
    /// ACKs and BYEs wait for the next tick's flush (at most 1 ms): one sendmmsg for a whole
    /// tick's datagrams instead of one per read batch.
    func channelReadComplete(context: ChannelHandlerContext) {}
    func errorCaught(context: ChannelHandlerContext, error: Error) {}
}

/// The few fields of a response the load flow needs, found by scanning header lines.
struct ResponseScan {
    var status = 0
    var callID: Range<Int> = 0..<0
    var to: Range<Int> = 0..<0
    var isInvite = false
    var isBye = false
    let p: UnsafeRawBufferPointer

    init?(_ p: UnsafeRawBufferPointer) {
        self.p = p
        let n = p.count
        // "SIP/2.0 NNN ..."
        guard n > 12, p[0] == UInt8(ascii: "S"), p[6] == UInt8(ascii: "0"), p[7] == UInt8(ascii: " ") else { return nil }
        for k in 8..<11 {
            let d = p[k] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            status = status * 10 + Int(d)
        }
        var i = 12
        while i < n, p[i] != 10 { i += 1 }
        i += 1
        var haveCSeq = false
        while i < n {
            let lineStart = i
            while i < n, p[i] != 10 { i += 1 }
            var lineEnd = i
            if lineEnd > lineStart, p[lineEnd - 1] == 13 { lineEnd -= 1 }
            i += 1
            if lineEnd == lineStart { break }
            guard let colon = (lineStart..<lineEnd).first(where: { p[$0] == UInt8(ascii: ":") }) else { continue }
            var nameEnd = colon
            while nameEnd > lineStart, p[nameEnd - 1] == 32 || p[nameEnd - 1] == 9 { nameEnd -= 1 }
            var vs = colon + 1
            while vs < lineEnd, p[vs] == 32 || p[vs] == 9 { vs += 1 }
            let value = vs..<lineEnd
            if Self.is(p, lineStart..<nameEnd, "call-id") || Self.is(p, lineStart..<nameEnd, "i") {
                callID = value
            } else if Self.is(p, lineStart..<nameEnd, "to") || Self.is(p, lineStart..<nameEnd, "t") {
                to = value
            } else if Self.is(p, lineStart..<nameEnd, "cseq") {
                haveCSeq = true
                var k = value.lowerBound
                while k < value.upperBound, p[k] != 32 { k += 1 }
                while k < value.upperBound, p[k] == 32 { k += 1 }
                let m = k..<value.upperBound
                isInvite = Self.is(p, m, "invite")
                isBye = Self.is(p, m, "bye")
            }
        }
        guard haveCSeq, !callID.isEmpty else { return nil }
    }

    static func `is`(_ p: UnsafeRawBufferPointer, _ r: Range<Int>, _ lower: StaticString) -> Bool {
        guard r.count == lower.utf8CodeUnitCount else { return false }
        let s = lower.utf8Start
        for (j, k) in r.enumerated() where p[k] | 0x20 != s[j] { return false }
        return true
    }

    /// The call slot from `<token>-<worker>-<index>`, nil for a call of another run or worker.
    func slot(token: [UInt8], worker: Int) -> Int? {
        let r = callID
        guard r.count > token.count + 2 else { return nil }
        for (j, b) in token.enumerated() where p[r.lowerBound + j] != b { return nil }
        var k = r.lowerBound + token.count
        guard p[k] == UInt8(ascii: "-") else { return nil }
        k += 1
        var dash = k
        while dash < r.upperBound, p[dash] != UInt8(ascii: "-") { dash += 1 }
        guard dash < r.upperBound, let w = Self.decimal(p, k..<dash), w == worker else { return nil }
        return Self.decimal(p, (dash + 1)..<r.upperBound)
    }

    static func decimal(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        guard !r.isEmpty, r.count < 12 else { return nil }
        var v = 0
        for k in r {
            let d = p[k] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }
}
