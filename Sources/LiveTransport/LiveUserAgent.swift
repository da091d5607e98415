import Foundation
import Network
import SIPCore

/// A seeded generator for tags, branches and Call-IDs (reproducible, no global randomness).
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func hex(_ n: Int) -> String {
        var s = ""
        while s.count < n { s += String(next(), radix: 16) }
        return String(s.prefix(n))
    }
}

/// How a call or registration ended.
public enum LiveOutcome: Equatable, Sendable, CustomStringConvertible {
    case completed
    /// A final non-2xx response.
    case rejected(status: Int, reason: String)
    /// No final response before the transaction timeout.
    case timedOut(String)
    case failed(String)

    public var isSuccess: Bool { self == .completed }
    public var description: String {
        switch self {
        case .completed: "completed"
        case .rejected(let s, let r): "rejected \(s) \(r)"
        case .timedOut(let w): "timed out: \(w)"
        case .failed(let w): "failed: \(w)"
        }
    }
}

/// One call as seen by a `LiveUserAgent`.
public final class LiveCall {
    public let label: String
    public let callID: String
    public let isCaller: Bool
    public let peer: String
    public internal(set) var outcome: LiveOutcome?
    /// Statuses received (caller) or sent (callee), in order.
    public internal(set) var statuses: [Int] = []
    /// The INVITE as received (callee side) or sent (caller side).
    public internal(set) var invite: SIPMessage?
    public internal(set) var finalResponse: SIPMessage?
    var localTag: String
    var remoteTarget = ""
    var routeSet: [String] = []
    var toHeader = ""
    var fromHeader = ""
    var cseq = 1
    var answerTimer: TimerHandle?
    var lastResponse: [UInt8]?

    init(label: String, callID: String, isCaller: Bool, peer: String, localTag: String) {
        self.label = label
        self.callID = callID
        self.isCaller = isCaller
        self.peer = peer
        self.localTag = localTag
    }
}

/// A small SIP user agent built only on the Network `Transport` and `Scheduler` protocols, so
/// it runs unchanged over simulated links or live sockets. It plays a UE (REGISTER, INVITE,
/// ACK, BYE; answers calls with 180/200) or, with `registrarIMPUs`, a minimal S-CSCF/next hop
/// (200 to REGISTER with P-Associated-URI, answers INVITE). UDP requests are retransmitted
/// (RFC 3261 timers A/E, 2xx retransmission until ACK) and every transaction times out.
public final class LiveUserAgent: MessageReceiver {
    public let name: String
    public let user: String
    public var domain: String
    let transport: Transport
    let scheduler: Scheduler
    var random: SplitMix

    /// Answer incoming INVITEs (180 then 200 after `ringMs`).
    public var autoAnswer = true
    public var ringMs: Int64 = 0
    /// Caller: send BYE this long after the 2xx (nil: stay in the call).
    public var hangupAfterMs: Int64? = 0
    /// Timer B/F (RFC 3261: 64*T1); bounded for live runs.
    public var transactionTimeoutMs: Int64 = 8_000
    /// When set, REGISTER is answered 200 with these P-Associated-URIs.
    public var registrarIMPUs: [String]?

    public private(set) var calls: [String: LiveCall] = [:]
    public private(set) var callOrder: [String] = []
    public private(set) var registrations: [String: LiveOutcome] = [:]
    /// Requests received (bounded), with the peer they came from.
    public private(set) var requests: [(peer: String, message: SIPMessage)] = []
    public private(set) var unparsable: [(peer: String, error: String)] = []
    public var maxRecorded = 10_000

    private var clients: [String: ClientTx] = [:]

    final class ClientTx {
        let bytes: [UInt8]
        let peer: String
        let isInvite: Bool
        var gotResponse = false
        var done = false
        var timers: [TimerHandle] = []
        let onResponse: (SIPMessage) -> Void
        let onTimeout: () -> Void
        init(bytes: [UInt8], peer: String, isInvite: Bool, onResponse: @escaping (SIPMessage) -> Void, onTimeout: @escaping () -> Void) {
            self.bytes = bytes
            self.peer = peer
            self.isInvite = isInvite
            self.onResponse = onResponse
            self.onTimeout = onTimeout
        }
    }

    public init(name: String, user: String, domain: String, transport: Transport, scheduler: Scheduler, seed: UInt64) {
        self.name = name
        self.user = user
        self.domain = domain
        self.transport = transport
        self.scheduler = scheduler
        random = SplitMix(state: seed)
        transport.attach(self, as: name)
    }

    public func call(label: String) -> LiveCall? { callOrder.lazy.compactMap { self.calls[$0] }.first { $0.label == label } }
    public var incomingCalls: [LiveCall] { callOrder.compactMap { calls[$0] }.filter { !$0.isCaller } }

    // MARK: Addressing

    func kind(_ peer: String) -> TransportKind { transport.transportKind(from: name, to: peer) ?? .udp }
    var hostPort: String {
        let a = transport.address(of: name) ?? SocketAddress(host: "127.0.0.1", port: 5060)
        return "\(a.uriHost):\(a.port)"
    }
    func via(_ peer: String, branch: String) -> String { "SIP/2.0/\(kind(peer).rawValue) \(hostPort);branch=\(branch);rport" }
    func contact(_ peer: String) -> String {
        switch kind(peer) {
        case .udp: "<sip:\(user)@\(hostPort)>"
        case .tcp: "<sip:\(user)@\(hostPort);transport=tcp>"
        case .tls: "<sips:\(user)@\(hostPort)>"
        }
    }
    /// `sip:`, or `sips:` over TLS.
    public func scheme(_ peer: String) -> String { kind(peer) == .tls ? "sips" : "sip" }
    public var aor: String { "sip:\(user)@\(domain)" }

    // MARK: Outgoing

    /// Registers at `registrar` (a peer name); the outcome lands in `registrations[label]`.
    public func register(label: String, via peer: String, requestURI: String? = nil, impu: String? = nil,
                         expires: Int = 3600, extraHeaders: [(String, String)] = []) {
        let id = random.hex(20) + "@" + name
        let branch = Via.magicCookie + random.hex(16)
        let who = impu ?? aor
        var text = "REGISTER \(requestURI ?? "\(scheme(peer)):\(domain)") SIP/2.0\r\n"
        text += "Via: \(via(peer, branch: branch))\r\nMax-Forwards: 70\r\n"
        text += "From: <\(who)>;tag=\(random.hex(10))\r\nTo: <\(who)>\r\nCall-ID: \(id)\r\nCSeq: 1 REGISTER\r\n"
        text += "Contact: \(contact(peer));expires=\(expires)\r\nExpires: \(expires)\r\n"
        for (n, v) in extraHeaders { text += "\(n): \(v)\r\n" }
        text += "Content-Length: 0\r\n\r\n"
        startClient(Array(text.utf8), branch: branch, peer: peer, isInvite: false, onResponse: { [weak self] r in
            guard let self, let s = r.statusCode, s >= 200 else { return }
            self.registrations[label] = s < 300 ? .completed : .rejected(status: s, reason: r.reasonPhrase ?? "")
        }, onTimeout: { [weak self] in
            self?.registrations[label] = .timedOut("no final response to REGISTER from \(peer)")
        })
    }

    /// Calls `requestURI` through `peer`. `extraHeaders` go into the INVITE (PAI, PPI, Identity...).
    /// `edit` may rewrite the INVITE before it is sent (signing, tampering).
    @discardableResult
    public func call(label: String, via peer: String, requestURI: String, from: String? = nil,
                     extraHeaders: [(String, String)] = [], edit: ((inout SIPMessage) -> Void)? = nil) -> LiveCall {
        let id = random.hex(20) + "@" + name
        let c = LiveCall(label: label, callID: id, isCaller: true, peer: peer, localTag: random.hex(10))
        calls[id] = c
        callOrder.append(id)
        let branch = Via.magicCookie + random.hex(16)
        c.fromHeader = "<\(from ?? aor)>;tag=\(c.localTag)"
        c.toHeader = "<\(requestURI)>"
        let sdp = "v=0\r\no=\(user) 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        var text = "INVITE \(requestURI) SIP/2.0\r\nVia: \(via(peer, branch: branch))\r\nMax-Forwards: 70\r\n"
        text += "From: \(c.fromHeader)\r\nTo: \(c.toHeader)\r\nCall-ID: \(id)\r\nCSeq: 1 INVITE\r\nContact: \(contact(peer))\r\n"
        for (n, v) in extraHeaders { text += "\(n): \(v)\r\n" }
        text += "Content-Type: application/sdp\r\nContent-Length: \(sdp.utf8.count)\r\n\r\n\(sdp)"
        var bytes = Array(text.utf8)
        if let edit, var m = try? SIPMessage(parsing: bytes) {
            edit(&m)
            bytes = m.bytes
        }
        c.invite = try? SIPMessage(parsing: bytes)
        startClient(bytes, branch: branch, peer: peer, isInvite: true, onResponse: { [weak self] r in
            self?.inviteResponse(r, c)
        }, onTimeout: { [weak self] in
            guard c.outcome == nil else { return }
            c.outcome = .timedOut("no final response to INVITE from \(peer) within \(self?.transactionTimeoutMs ?? 0) ms")
        })
        return c
    }

    /// Sends BYE in an established call.
    public func hangup(_ c: LiveCall) {
        guard c.finalResponse?.statusCode.map({ (200..<300).contains($0) }) == true || !c.isCaller else { return }
        c.cseq += 1
        let branch = Via.magicCookie + random.hex(16)
        var text = "BYE \(c.remoteTarget) SIP/2.0\r\nVia: \(via(c.peer, branch: branch))\r\nMax-Forwards: 70\r\n"
        for r in c.routeSet { text += "Route: \(r)\r\n" }
        text += "From: \(c.fromHeader)\r\nTo: \(c.toHeader)\r\nCall-ID: \(c.callID)\r\nCSeq: \(c.cseq) BYE\r\nContent-Length: 0\r\n\r\n"
        startClient(Array(text.utf8), branch: branch, peer: c.peer, isInvite: false, onResponse: { r in
            guard let s = r.statusCode, s >= 200 else { return }
            if c.outcome == nil { c.outcome = s < 300 ? .completed : .rejected(status: s, reason: "BYE: " + (r.reasonPhrase ?? "")) }
        }, onTimeout: {
            if c.outcome == nil { c.outcome = .timedOut("no final response to BYE from \(c.peer)") }
        })
    }

    private func inviteResponse(_ r: SIPMessage, _ c: LiveCall) {
        guard let s = r.statusCode else { return }
        if s >= 200, c.finalResponse != nil {
            // A 2xx retransmission: ACK again.
            if s < 300 { sendACK(c, for: r) }
            return
        }
        c.statuses.append(s)
        guard s >= 200 else { return }
        c.finalResponse = r
        if s >= 300 {
            c.outcome = .rejected(status: s, reason: r.reasonPhrase ?? "")
            return
        }
        c.toHeader = r.value(.to) ?? c.toHeader
        c.routeSet = r.values(.recordRoute).flatMap { splitList($0) }.reversed()
        if let contact = r.value(.contact), let uri = Self.uri(inside: contact) { c.remoteTarget = uri }
        else { c.remoteTarget = c.invite?.requestURIText ?? "" }
        sendACK(c, for: r)
        if let after = hangupAfterMs {
            scheduler.schedule(afterMs: after) { [weak self] in self?.hangup(c) }
        } else {
            c.outcome = .completed
        }
    }

    private func sendACK(_ c: LiveCall, for r: SIPMessage) {
        let branch = Via.magicCookie + random.hex(16)
        var text = "ACK \(c.remoteTarget) SIP/2.0\r\nVia: \(via(c.peer, branch: branch))\r\nMax-Forwards: 70\r\n"
        for route in c.routeSet { text += "Route: \(route)\r\n" }
        text += "From: \(c.fromHeader)\r\nTo: \(c.toHeader)\r\nCall-ID: \(c.callID)\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
        transport.send(Array(text.utf8), from: name, to: c.peer, note: "ACK")
    }

    /// ACK for a non-2xx final response: same branch, hop by hop (RFC 3261 §17.1.1.3).
    private func sendNon2xxACK(_ tx: ClientTx, _ r: SIPMessage) {
        guard let inv = try? SIPMessage(parsing: tx.bytes), let via = inv.value(.via), let uri = inv.requestURIText else { return }
        var text = "ACK \(uri) SIP/2.0\r\nVia: \(via)\r\nMax-Forwards: 70\r\n"
        text += "From: \(inv.value(.from) ?? "")\r\nTo: \(r.value(.to) ?? "")\r\nCall-ID: \(inv.value(.callID) ?? "")\r\n"
        text += "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
        transport.send(Array(text.utf8), from: name, to: tx.peer, note: "ACK (non-2xx)")
    }

    private func startClient(_ bytes: [UInt8], branch: String, peer: String, isInvite: Bool,
                             onResponse: @escaping (SIPMessage) -> Void, onTimeout: @escaping () -> Void) {
        let tx = ClientTx(bytes: bytes, peer: peer, isInvite: isInvite, onResponse: onResponse, onTimeout: onTimeout)
        clients[branch] = tx
        transport.send(bytes, from: name, to: peer, note: "")
        if kind(peer) == .udp { retransmit(tx, after: SIPTimers.t1) }
        tx.timers.append(scheduler.schedule(afterMs: transactionTimeoutMs) { [weak self] in
            guard !tx.done else { return }
            tx.done = true
            self?.clients[branch] = nil
            tx.onTimeout()
        })
    }

    private func retransmit(_ tx: ClientTx, after interval: Int64) {
        tx.timers.append(scheduler.schedule(afterMs: interval) { [weak self] in
            guard let self, !tx.done, !(tx.isInvite && tx.gotResponse) else { return }
            self.transport.send(tx.bytes, from: self.name, to: tx.peer, note: "retransmission")
            self.retransmit(tx, after: min(interval * 2, SIPTimers.t2))
        })
    }

    // MARK: Incoming

    public func receive(_ bytes: [UInt8], from peer: String) {
        let m: SIPMessage
        do { m = try SIPMessage(parsing: bytes) } catch {
            if unparsable.count < maxRecorded { unparsable.append((peer, "\(error)")) }
            return
        }
        if m.isRequest { request(m, from: peer) } else { response(m) }
    }

    private func response(_ r: SIPMessage) {
        guard let via = r.value(.via), let branch = Self.param("branch", in: via) else { return }
        if let tx = clients[branch] {
            tx.gotResponse = true
            if let s = r.statusCode, s >= 200 {
                if tx.done {
                    // Retransmitted final response.
                    if tx.isInvite, s >= 300 { sendNon2xxACK(tx, r) }
                    if tx.isInvite, s < 300 { tx.onResponse(r) }
                    return
                }
                tx.done = true
                for t in tx.timers { t.cancel() }
                if tx.isInvite, s >= 300 { sendNon2xxACK(tx, r) }
                // INVITE client transactions stay to absorb 2xx retransmissions (Timer M-like).
                scheduler.schedule(afterMs: transactionTimeoutMs) { [weak self] in self?.clients[branch] = nil }
            }
            tx.onResponse(r)
        }
    }

    private func request(_ m: SIPMessage, from peer: String) {
        if requests.count < maxRecorded { requests.append((peer, m)) }
        guard let method = m.method, let callID = m.value(.callID) else { return }
        switch method {
        case "INVITE":
            if let c = calls[callID] {
                // Retransmission: repeat the last response.
                if let last = c.lastResponse { transport.send(last, from: name, to: peer, note: "retransmission") }
                return
            }
            let c = LiveCall(label: "in-\(callOrder.count)", callID: callID, isCaller: false, peer: peer, localTag: random.hex(10))
            c.invite = m
            calls[callID] = c
            callOrder.append(callID)
            respond(m, c, 100, "Trying", peer: peer)
            guard autoAnswer else { return }
            respond(m, c, 180, "Ringing", peer: peer)
            scheduler.schedule(afterMs: ringMs) { [weak self] in self?.answer(c) }
        case "ACK":
            if let c = calls[callID] {
                c.answerTimer?.cancel()
                c.lastResponse = nil
            }
        case "BYE":
            let c = calls[callID]
            respond(m, c, c == nil ? 481 : 200, c == nil ? "Call/Transaction Does Not Exist" : "OK", peer: peer)
            if let c, c.outcome == nil { c.outcome = .completed }
        case "REGISTER":
            if let impus = registrarIMPUs {
                var extra: [(String, String)] = [("P-Associated-URI", impus.map { "<\($0)>" }.joined(separator: ", "))]
                if let ct = m.value(.contact) { extra.append(("Contact", ct)) }
                if let p = m.value(.path) { extra.append(("Path", p)) }
                respond(m, nil, 200, "OK", peer: peer, extra: extra)
            } else {
                respond(m, nil, 405, "Method Not Allowed", peer: peer)
            }
        case "OPTIONS", "CANCEL":
            respond(m, calls[callID], 200, "OK", peer: peer)
        default:
            respond(m, nil, 501, "Not Implemented", peer: peer)
        }
    }

    /// Answers an incoming call (200 with SDP; retransmitted over UDP until ACK).
    public func answer(_ c: LiveCall) {
        guard let inv = c.invite, c.outcome == nil, c.finalResponse == nil else { return }
        let sdp = "v=0\r\no=\(user) 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        let bytes = respond(inv, c, 200, "OK", peer: c.peer, body: sdp)
        c.finalResponse = bytes.flatMap { try? SIPMessage(parsing: $0) }
        if kind(c.peer) == .udp, let bytes { retransmit2xx(c, bytes, interval: SIPTimers.t1, total: 0) }
    }

    private func retransmit2xx(_ c: LiveCall, _ bytes: [UInt8], interval: Int64, total: Int64) {
        guard total + interval <= transactionTimeoutMs else { return }
        c.lastResponse = bytes
        c.answerTimer = scheduler.schedule(afterMs: interval) { [weak self] in
            guard let self, c.lastResponse != nil else { return }
            self.transport.send(bytes, from: self.name, to: c.peer, note: "2xx retransmission")
            self.retransmit2xx(c, bytes, interval: min(interval * 2, SIPTimers.t2), total: total + interval)
        }
    }

    @discardableResult
    private func respond(_ req: SIPMessage, _ c: LiveCall?, _ status: Int, _ reason: String, peer: String,
                         extra: [(String, String)] = [], body: String = "") -> [UInt8]? {
        guard req.method != "ACK" else { return nil }
        var text = "SIP/2.0 \(status) \(reason)\r\n"
        for v in req.values(.via) { text += "Via: \(v)\r\n" }
        if req.method == "INVITE", status > 100 { for rr in req.values(.recordRoute) { text += "Record-Route: \(rr)\r\n" } }
        text += "From: \(req.value(.from) ?? "")\r\n"
        var to = req.value(.to) ?? ""
        if status > 100, Self.param("tag", in: to) == nil { to += ";tag=\(c?.localTag ?? random.hex(10))" }
        text += "To: \(to)\r\nCall-ID: \(req.value(.callID) ?? "")\r\nCSeq: \(req.value(.cseq) ?? "")\r\n"
        if req.method == "INVITE", status > 100, status < 300 { text += "Contact: \(contact(peer))\r\n" }
        for (n, v) in extra { text += "\(n): \(v)\r\n" }
        if !body.isEmpty { text += "Content-Type: application/sdp\r\n" }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let bytes = Array(text.utf8)
        if let c { c.statuses.append(status); c.lastResponse = bytes }
        transport.send(bytes, from: name, to: peer, note: "\(status)")
        return bytes
    }

    // MARK: Small text helpers

    static func param(_ name: String, in value: String) -> String? {
        for part in value.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.first?.trimmingCharacters(in: .whitespaces).lowercased() == name {
                return kv.count > 1 ? String(kv[1]).trimmingCharacters(in: .whitespaces) : ""
            }
        }
        return nil
    }

    static func uri(inside nameAddr: String) -> String? {
        if let lt = nameAddr.firstIndex(of: "<"), let gt = nameAddr[lt...].firstIndex(of: ">") {
            return String(nameAddr[nameAddr.index(after: lt)..<gt])
        }
        return nameAddr.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

/// Splits a comma list of name-addrs (commas inside <> or quotes kept).
func splitList(_ s: String) -> [String] {
    var out: [String] = [], cur = "", depth = 0, quoted = false
    for ch in s {
        switch ch {
        case "\"": quoted.toggle(); cur.append(ch)
        case "<" where !quoted: depth += 1; cur.append(ch)
        case ">" where !quoted: depth -= 1; cur.append(ch)
        case "," where !quoted && depth == 0:
            out.append(cur.trimmingCharacters(in: .whitespaces)); cur = ""
        default: cur.append(ch)
        }
    }
    let last = cur.trimmingCharacters(in: .whitespaces)
    if !last.isEmpty { out.append(last) }
    return out
}
