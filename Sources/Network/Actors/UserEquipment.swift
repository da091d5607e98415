import Identity
import SIPCore

/// A SIP dialog as a UE keeps it (RFC 3261 §12).
final class Dialog {
    let label: String
    let callID: String
    let isCaller: Bool
    var localValue: String     // our From (caller) / To (callee) value, with tag
    var remoteValue: String
    var remoteTarget: String
    var routeSet: [String] = []
    var localCSeq: UInt32 = 1
    var state: CallState
    var display: CallDisplay?
    var inviteTx: ServerTransaction?
    var invite: SIPMessage?
    var ack: WireMessage?
    var acked = false

    init(label: String, callID: String, isCaller: Bool, ue: String, local: String, remote: String, target: String) {
        self.label = label
        self.callID = callID
        self.isCaller = isCaller
        localValue = local
        remoteValue = remote
        remoteTarget = target
        state = CallState(id: label, ue: ue, isCaller: isCaller, phase: isCaller ? .calling : .ringing, finalStatus: nil,
                          finalReason: nil, timedOut: false, sipCallID: callID, byeStatus: nil)
    }
}

/// The UE: digest REGISTER (MD5 / SHA-256), calls with SDP offer/answer, and a display of the
/// identity, verstat and RCD it received.
final class UserEquipment: Element {
    let subscriber: SubscriberSpec
    var registration: RegistrationState = .unregistered
    var serviceRoute: [String] = []
    var dialogs: [String: Dialog] = [:]   // SIP Call-ID -> dialog
    var cseq: UInt32 = 0
    var registerCallID = ""
    /// Labels given to incoming calls (`<ue>-in-<n>`).
    var incomingCount = 0
    /// IMS AKA: highest SQN the USIM accepted (nil: the subscription's), challenges answered this registration.
    var akaSQN: UInt64?
    var akaAnswers = 0
    /// sec-agree: the P-CSCF's Security-Server list, repeated as Security-Verify (SecAgree.swift).
    var securityServer: [String] = []

    init(spec: ActorSpec, policy: Policy, ctx: NetworkContext, transport: Transport, subscriber: SubscriberSpec) {
        self.subscriber = subscriber
        super.init(spec: spec, policy: policy, ctx: ctx, transport: transport)
        registerCallID = ctx.callID()
    }

    /// The serving P-CSCF: found once (the links are fixed for a run).
    private(set) lazy var pcscf: String? = ctx.peers(of: name, role: .pcscf).first
    var impu: String { subscriber.impus.first ?? "sip:\(subscriber.name)@\(domain)" }
    /// Made once: the subscriber and the hosts are fixed for a run.
    private(set) lazy var contact = "sip:\(subscriber.name)@\(ctx.host(of: name))"
    /// `<contact>`, the Contact of INVITEs and of responses that take one.
    private lazy var contactValue = "<\(contact)>"
    /// `<sip:host;lr>` of the serving P-CSCF, the first Route of an INVITE (made once, as
    /// `pcscf` is found once).
    private lazy var pcscfRoute: String? = pcscf.map(ctx.looseRoute(to:))
    /// The registrar domain: the host of the default IMPU (fixed for the UE; parsed once).
    private(set) lazy var userDomain: String = Addressing.host(impu) ?? domain
    /// The Request-URI of REGISTER (made once).
    private(set) lazy var registerURI = "sip:\(userDomain)"

    // MARK: Registration

    func register(password: String?, expires: Int = 3600) {
        registration = .registering
        akaAnswers = 0
        sendRegister(answering: nil, password: password ?? subscriber.password, expires: expires)
    }

    /// `answering`: the digest challenge to answer, with its algorithm (read once).
    /// `authorization`: a ready Authorization value (IMS AKA, UserEquipmentAKA.swift).
    func sendRegister(answering: (challenge: Challenge, algorithm: Digest.Algorithm)?, password: String, expires: Int,
                      authorization: String? = nil) {
        guard let pcscf else { registration = .failed(status: 503); return }
        cseq += 1
        let requestURI = registerURI
        var t = MessageText(startLine: "REGISTER \(requestURI) SIP/2.0")
        t.add(.via, via(to: pcscf))
        t.add(.maxForwards, "70")
        t.add(.from, bytes: "<\(impu)>;tag=\(ctx.tag())")
        t.add(.to, bytes: "<\(impu)>")
        t.add(.callID, registerCallID)
        t.add(.cseq, bytes: "\(cseq) REGISTER")
        t.add(.contact, bytes: "<\(contact)>;expires=\(expires)")
        t.add(.expires, bytes: "\(expires)")
        if let (c, alg) = answering {
            let realm = c.realm ?? userDomain
            let nonce = c.nonce ?? ""
            let cnonce = ctx.random.hex(16)
            let r = digestMemo.response(alg, user: subscriber.name, realm: realm, password: Array(password.utf8), method: "REGISTER",
                                        uri: requestURI, nonce: nonce, nc: "00000001", cnonce: cnonce, qop: "auth")
            t.add(.authorization, bytes: "Digest username=\"\(subscriber.name)\", realm=\"\(realm)\", nonce=\"\(nonce)\", uri=\"\(requestURI)\", response=\"\(r)\", algorithm=\(alg.rawValue), cnonce=\"\(cnonce)\", qop=auth, nc=00000001")
        }
        if let authorization { t.add(.authorization, authorization) }
        for (n, v) in secAgreeHeaders(register: true) { t.add(n, v) }
        guard let m = t.message() else { return }
        layer.sendRequest(m, to: pcscf, onResponse: { [weak self] r in
            self?.registerResponse(r, password: password, expires: expires, retried: answering != nil || authorization != nil)
        }, onTimeout: { [weak self] in self?.registration = .failed(status: 408) })
    }

    /// Switches read on every call, read once (policies are fixed for a run).
    private lazy var sendsRinging = policy.bool("send_ringing")
    private lazy var answersAutomatically = policy.bool("auto_answer")
    private lazy var answerDelayMs = Int64(policy.int("answer_delay_ms"))
    private lazy var trustsPAIFromAny = policy.bool("trust_pai_from_any")
    lazy var usesSecAgree = policy.bool("sec_agree")

    /// The digest hashes that do not depend on the nonce, from the last answer.
    private var digestMemo = DigestMemo()

    /// `digest_algorithms`, upper-cased, read once (policies are fixed for a run).
    private lazy var supportedDigestAlgorithms = policy.string("digest_algorithms").split(separator: ",")
        .map { $0.trimmingCharacters(in: " ").uppercased() }

    private func registerResponse(_ r: SIPMessage, password: String, expires: Int, retried: Bool) {
        guard let code = r.statusCode, code >= 200 else { return }
        if code == 401 { learnSecurityServer(r) }
        switch code {
        case 200..<300:
            registration = expires == 0 ? .unregistered : .registered
            serviceRoute = r.listValues("Service-Route")
        case 401 where subscriber.aka != nil:
            answerAKA(r, password: password, expires: expires)
        case 401 where !retried:
            // RFC 8760: answer the strongest challenge this UE supports.
            // Each challenge's algorithm read once: a read scans its parameters.
            let supported = supportedDigestAlgorithms
            // (Algorithm names are upper case already, as `supported` is.)
            let usable = r.challenges.compactMap { c -> (challenge: Challenge, algorithm: Digest.Algorithm)? in
                guard let a = Digest.Algorithm(name: c.algorithm ?? "MD5"), supported.contains(a.rawValue) else { return nil }
                return (c, a)
            }
            guard let best = usable.max(by: { $0.algorithm.strength < $1.algorithm.strength }) else {
                registration = .failed(status: 401)
                note("Register", "no supported digest algorithm offered")
                return
            }
            sendRegister(answering: best, password: password, expires: expires)
        default:
            registration = .failed(status: code)
        }
    }

    // MARK: Originating calls

    func call(label: String, target: String, options: CallOptions) {
        guard let pcscf, let pcscfRoute else { return }
        let callID = ctx.callID()
        let fromTag = ctx.tag()
        // Quotes removed scalar by scalar, without a Foundation string search.
        let display = options.displayName.map { name in
            let unquoted = name.utf8.contains(0x22) ? String(String.UnicodeScalarView(name.unicodeScalars.filter { $0 != "\"" })) : name
            return "\"\(unquoted)\" "
        } ?? ""
        let local = ValueBytes("\(display)<\(impu)>;tag=\(fromTag)").string
        let remote = ValueBytes("<\(target)>").string
        let d = Dialog(label: label, callID: callID, isCaller: true, ue: name, local: local, remote: remote, target: target)
        dialogs[callID] = d
        var t = MessageText(startLine: "INVITE \(target) SIP/2.0")
        t.add(.via, via(to: pcscf))
        t.add(.maxForwards, "70")
        t.add(.route, joining: [pcscfRoute] + serviceRoute)
        t.add(.from, local)
        t.add(.to, remote)
        t.add(.callID, callID)
        t.add(.cseq, "1 INVITE")
        t.add(.contact, contactValue)
        t.add(.pPreferredIdentity, options.preferredIdentity.map { "<\($0)>" })
        t.add(.pAssertedIdentity, options.assertedIdentity.map { "<\($0)>" })
        t.add(.privacy, options.privacy)
        if let reason = options.callReason {
            var ci = CallInfo(uri: "urn:ietf:params:sip:rcd")
            ci.callReason = reason
            t.add(.callInfo, ci.description)
        }
        for (n, v) in options.extraHeaders { t.add(n, v) }
        for (n, v) in secAgreeHeaders(register: false) { t.add(n, v) }
        guard let m = t.message(body: DataChannelSDP.offer(host: addressHost, options: options),
                                contentType: "application/sdp") else {
            d.state.phase = .failed
            return
        }
        d.invite = m
        layer.sendRequest(m, to: pcscf, onResponse: { [weak self, weak d] r in
            guard let self, let d else { return }
            self.inviteResponse(r, d)
        }, onTimeout: { [weak self, weak d] in
            guard let self, let d else { return }
            d.state.phase = .failed
            d.state.finalStatus = 408
            d.state.finalReason = "Request Timeout"
            d.state.timedOut = true
            self.note("Transaction", "INVITE \(d.label) timed out (Timer B)")
        })
    }

    var addressHost: String { transport.address(of: name)?.host ?? name }

    private func inviteResponse(_ r: SIPMessage, _ d: Dialog) {
        guard let code = r.statusCode else { return }
        switch code {
        case 100: d.state.phase = .proceeding
        case 101..<200: d.state.phase = .ringing
        case 200..<300:
            if d.state.phase != .established, d.state.phase != .terminated {
                d.state.phase = .established
                d.state.finalStatus = code
                d.state.finalReason = r.reasonPhrase
                d.remoteValue = r.value(.to) ?? d.remoteValue
                d.routeSet = r.listValues("Record-Route").reversed()
                if let c = Addressing.firstContactURI(r) { d.remoteTarget = c }
            }
            sendAck(d)
        default:
            d.state.phase = .failed
            d.state.finalStatus = code
            d.state.finalReason = r.reasonPhrase
        }
    }

    /// ACK for 2xx: a new transaction-less request along the dialog's route set (§13.2.2.4).
    private func sendAck(_ d: Dialog) {
        if let ack = d.ack, let next = nextHop(d) {
            transport.send(ack, from: name, to: next, note: "ACK repeated for a repeated 2xx")
            return
        }
        guard let (m, next) = inDialogRequest("ACK", d, cseq: 1) else { return }
        let ack = m.wire
        d.ack = ack
        transport.send(ack, from: name, to: next, note: "")
    }

    private func nextHop(_ d: Dialog) -> String? {
        if let r = d.routeSet.first { return actor(for: r) }
        return actor(for: d.remoteTarget)
    }

    /// The request and the next hop it was addressed to (its top Via names that hop).
    private func inDialogRequest(_ method: String, _ d: Dialog, cseq: UInt32) -> (SIPMessage, next: String)? {
        guard let next = nextHop(d) else { return nil }
        var t = MessageText(startLine: "\(method) \(d.remoteTarget) SIP/2.0")
        t.add(.via, via(to: next))
        t.add(.maxForwards, "70")
        if !d.routeSet.isEmpty { t.add(.route, joining: d.routeSet) }
        t.add(.from, d.localValue)
        t.add(.to, d.remoteValue)
        t.add(.callID, d.callID)
        t.add(.cseq, bytes: "\(cseq) \(method)")
        return t.message().map { ($0, next) }
    }

    func hangup(_ d: Dialog) {
        d.localCSeq += 1
        guard let (m, next) = inDialogRequest("BYE", d, cseq: d.localCSeq) else { return }
        layer.sendRequest(m, to: next, onResponse: { [weak d] r in
            guard let d, let code = r.statusCode, code >= 200 else { return }
            d.state.byeStatus = code
            d.state.phase = .terminated
        }, onTimeout: { [weak d] in
            d?.state.byeStatus = 408
            d?.state.phase = .terminated
        })
    }

    // MARK: Terminating side

    override func handleRequest(_ request: SIPMessage, transaction tx: ServerTransaction?, from peer: String) {
        // Call-ID read once here for the dialog table, the new dialog and its display.
        let sipCallID = request.value(.callID)
        let callID = sipCallID ?? ""
        switch request.method ?? "" {
        case "INVITE":
            if let d = dialogs[callID], !d.isCaller { _ = d; return }  // re-INVITE: not modelled
            incoming(request, tx, peer: peer, callID: sipCallID)
        case "ACK":
            dialogs[callID]?.acked = true
        case "BYE":
            guard let d = dialogs[callID] else {
                respond(to: request, tx, peer: peer, status: 481, reason: "Call/Transaction Does Not Exist")
                return
            }
            d.state.phase = .terminated
            respond(to: request, tx, peer: peer, status: 200, reason: "OK")
        default:
            respond(to: request, tx, peer: peer, status: 405, reason: "Method Not Allowed")
        }
    }

    /// `sipCallID`: the request's Call-ID.
    private func incoming(_ request: SIPMessage, _ tx: ServerTransaction?, peer: String, callID sipCallID: String?) {
        incomingCount += 1
        let callID = sipCallID ?? ctx.callID()
        let tag = ctx.tag()
        let to = (request.value(.to) ?? "<\(impu)>") + ";tag=\(tag)"
        let remoteTarget = Addressing.firstContactURI(request) ?? ""
        let d = Dialog(label: "\(name)-in-\(incomingCount)", callID: callID, isCaller: false, ue: name, local: to,
                       remote: request.value(.from) ?? "", target: remoteTarget)
        d.routeSet = request.listValues("Record-Route")
        d.inviteTx = tx
        d.invite = request
        d.display = display(of: request, peer: peer, callID: sipCallID ?? "")
        dialogs[callID] = d
        if sendsRinging, let r = response(d, 180, "Ringing") { tx?.respond(r) }
        if answersAutomatically {
            let delay = answerDelayMs
            if delay == 0 { answer(d) } else { ctx.scheduler.schedule(afterMs: delay) { [weak self, weak d] in if let d { self?.answer(d) } } }
        }
    }

    private func response(_ d: Dialog, _ status: Int, _ reason: String, sdp: String = "") -> SIPMessage? {
        guard let invite = d.invite else { return nil }
        let contact = status < 300 ? contactValue : nil
        return MessageText.response(to: invite, status: status, reason: reason, toTag: nil, body: sdp,
                                    contentType: sdp.isEmpty ? nil : "application/sdp", to: d.localValue) { $0.add(.contact, contact) }
    }

    func answer(_ d: Dialog) {
        guard !d.isCaller, d.state.phase == .ringing, let tx = d.inviteTx, let invite = d.invite,
              let ok = response(d, 200, "OK", sdp: SessionDescription.answer(to: invite.bodyText, host: addressHost)) else { return }
        d.state.phase = .established
        d.state.finalStatus = 200
        tx.respond(ok)
        // §13.3.1.4: the UAS retransmits 2xx over unreliable transports until the ACK arrives.
        if transport.transportKind(from: name, to: tx.peer)?.isReliable == false { retransmit2xx(ok.wire, d, peer: tx.peer, interval: SIPTimers.t1, elapsed: 0) }
    }

    private func retransmit2xx(_ ok: WireMessage, _ d: Dialog, peer: String, interval: Int64, elapsed: Int64) {
        ctx.scheduler.schedule(afterMs: interval) { [weak self, weak d] in
            guard let self, let d, !d.acked, d.state.phase == .established, elapsed + interval < SIPTimers.long else { return }
            self.transport.send(ok, from: self.name, to: peer, note: "2xx retransmitted until ACK")
            self.retransmit2xx(ok, d, peer: peer, interval: min(interval * 2, SIPTimers.t2), elapsed: elapsed + interval)
        }
    }

    override func handleStrayResponse(_ response: SIPMessage, from peer: String) {
        // A repeated 2xx to an INVITE whose transaction ended: repeat the ACK.
        guard let code = response.statusCode, (200..<300).contains(code), response.cseqValue?.method == "INVITE",
              let d = dialogs[response.value(.callID) ?? ""], d.isCaller else { return }
        sendAck(d)
    }

    /// RFC 3325 §8: the UE honours PAI only from its serving P-CSCF. `callID`: the request's.
    func display(of request: SIPMessage, peer: String, callID: String) -> CallDisplay {
        let trusted = trustsPAIFromAny || (ctx.roles[peer] == .pcscf && peer == pcscf)
        let pai = trusted ? request.nameAddresses(.pAssertedIdentity) : []
        let from = request.addressValue(.from)
        // The shown PAI's text is one of `asserted`: made once.
        let asserted = pai.map { $0.uri.description }
        let shownIndex = pai.firstIndex { $0.uri.telURI != nil } ?? pai.indices.first
        let shown = shownIndex.map { pai[$0] }
        let uri = shown?.uri ?? from?.uri
        return CallDisplay(identity: shownIndex.map { asserted[$0] } ?? from?.uri.description,
                           verstat: uri.flatMap { VerstatMarking.verstat(of: $0) },
                           name: shown?.displayName, callReason: request.callInfo.compactMap(\.callReason).first,
                           fromDisplayName: from?.displayName, assertedIdentities: asserted,
                           receivedAssertedIdentity: request.contains(.pAssertedIdentity), callID: callID)
    }
}
