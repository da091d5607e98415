import Foundation
import Identity
import Network
import Reports
import SIPCore

extension ScenarioCatalog {
    /// The network's own catalogue: every role and switch `SimulatedNetwork` accepts.
    public static let network: ScenarioCatalog = {
        var policies: [String: [String: SettingKind]] = [:]
        for role in ActorRole.allCases {
            var m: [String: SettingKind] = [:]
            for sw in PolicyCatalog.switches(for: role) {
                switch sw.defaultValue {
                case .bool: m[sw.name] = .bool
                case .int: m[sw.name] = .int
                case .string: m[sw.name] = .string
                }
            }
            policies[role.rawValue] = m
        }
        return ScenarioCatalog(roles: ActorRole.allCases.map(\.rawValue), policies: policies)
    }()
}

/// One assertion's outcome with its evidence.
public struct AssertionResult: Sendable {
    public var assertion: Assertion
    public var passed: Bool
    public var message: String
    /// The trace event that shows it (offending message, or the closest one).
    public var eventSeq: Int?
    public var evidence: Evidence?
}

/// Runs one `ScenarioCase` on a fresh `SimulatedNetwork`. Deterministic: the seed drives
/// every random choice and nothing reads the wall clock (the caller times the run).
public struct ScenarioEngine: Sendable {
    public init() {}

    public struct Outcome: Sendable {
        public var report: ScenarioReport
        /// Virtual milliseconds the scenario covered.
        public var virtualMs: Int64
        public var results: [AssertionResult]
        public var trace: [TraceEvent]
        public var addresses: [String: SocketAddress]

        /// A case that could not run at all.
        static func error(_ c: ScenarioCase, _ why: String) -> Outcome {
            var r = ScenarioReport(name: c.name, file: c.file, matrixLabel: c.matrixLabel, description: c.description,
                                   tags: c.tags, verdict: .error, durationMs: 0)
            r.error = "\(c.file): \(why)"
            return Outcome(report: r, virtualMs: 0, results: [], trace: [], addresses: [:])
        }
    }

    /// Runs `c`: on the virtual clock, or with `live` over real sockets against external actors
    /// (real time, so not byte-deterministic; the runtime is closed before returning).
    public func run(_ c: ScenarioCase, seed override: UInt64? = nil, live: LiveRuntime? = nil) -> Outcome {
        defer { live?.close() }
        var report = ScenarioReport(name: c.name, file: c.file, matrixLabel: c.matrixLabel, description: c.description,
                                    tags: c.tags, verdict: .error, durationMs: 0)
        report.actors = c.network.actors.map { a in
            ActorColumn(name: a.name, role: a.role, domain: c.network.trustDomains.first { $0.members.contains(a.name) }?.name)
        }
        let drive: Drive
        do {
            drive = try Drive.start(c, seed: override ?? c.seed, live: live)
        } catch {
            report.error = "\(c.file): network: \(error)"
            return Outcome(report: report, virtualMs: 0, results: [], trace: [], addresses: [:])
        }
        let net = drive.net
        // A simulated network is done with when this returns (a live one is the runtime's).
        defer { if live == nil { net.close() } }
        var ctx = EvalContext(net: net, c: c)
        var results: [AssertionResult] = []
        for step in c.steps {
            do {
                try perform(step, drive: drive, ctx: &ctx, results: &results)
            } catch {
                report.error = "\(step.location): \(step.keyword): \(error)"
                let (trace, now, addrs) = (try? drive.onLoop { (net.trace, net.nowMs, addresses(net, c)) }) ?? ([], 0, [:])
                report.messages = diagram(trace, failed: [])
                return Outcome(report: report, virtualMs: now, results: results, trace: trace, addresses: addrs)
            }
        }
        drive.idle()
        let (trace, virtualMs, addrs): ([TraceEvent], Int64, [String: SocketAddress])
        do {
            (trace, virtualMs, addrs) = try drive.onLoop {
                for a in c.assertions { results.append(ctx.evaluate(a)) }
                return (net.trace, net.nowMs, addresses(net, c))
            }
        } catch {
            report.error = "\(c.file): \(error)"
            return Outcome(report: report, virtualMs: 0, results: results, trace: [], addresses: [:])
        }

        // A matrix entry may expect named assertions to be violated (the misconfiguration lets
        // the attack through); the case passes when exactly those fail.
        var failures: [AssertionFailure] = []
        var failedSeqs = Set<Int>()
        var outcomes: [AssertionOutcome] = []
        for r in results {
            let expectViolation = r.assertion.id.map { c.expectViolated.contains($0) } ?? false
            let ok = expectViolation ? !r.passed : r.passed
            let label = expectViolation ? "violated as expected: \(r.assertion.text)" : r.assertion.text
            outcomes.append(AssertionOutcome(text: label, passed: ok))
            if !ok {
                let msg = expectViolation
                    ? "expected '\(r.assertion.id ?? "")' to be violated under this configuration, but it held (\(r.message))"
                    : r.message
                failures.append(AssertionFailure(assertion: "\(r.assertion.location): \(r.assertion.text)", message: msg, evidence: r.evidence))
                if let s = r.eventSeq { failedSeqs.insert(s) }
            }
        }
        report.assertions = outcomes
        report.failures = failures
        report.verdict = failures.isEmpty ? .passed : .failed
        report.messages = diagram(trace, failed: failedSeqs)
        report.transportErrors = Self.transportErrors(trace)
        return Outcome(report: report, virtualMs: virtualMs, results: results, trace: trace, addresses: addrs)
    }

    /// Socket trouble a live run traced (`SimulatedNetwork.recordLiveEvent`), first ones first:
    /// why a real system never answered is often only here.
    static func transportErrors(_ trace: [TraceEvent], limit: Int = 8) -> [String]? {
        let live = trace.filter { $0.kind == .dropped && $0.note.hasPrefix(SimulatedNetwork.liveEventPrefix) }
        guard !live.isEmpty else { return nil }
        var out = live.prefix(limit).map { e in
            "\(ReportFormat.virtualTime(ms: Double(e.timeMs))) \(e.from) -> \(e.to): \(e.note.dropFirst(SimulatedNetwork.liveEventPrefix.count))"
        }
        if live.count > limit { out.append("... and \(live.count - limit) more") }
        return out
    }

    private func addresses(_ net: SimulatedNetwork, _ c: ScenarioCase) -> [String: SocketAddress] {
        var out: [String: SocketAddress] = [:]
        for a in c.network.actors { if let ad = net.address(of: a.name) { out[a.name] = ad } }
        return out
    }

    /// With `live`, actors keep their `listen:` / `external:` bindings; a simulated run plays them all.
    static func spec(_ n: NetworkDef, live: Bool = false) -> NetworkSpec {
        let actors = n.actors.map { a in
            ActorSpec(name: a.name, role: ActorRole(rawValue: a.role) ?? .attacker, domain: a.domain,
                      policy: a.policy.mapValues { v in
                          switch v.value {
                          case .bool(let b): return PolicyValue.bool(b)
                          case .int(let i): return .int(i)
                          case .string(let s): return .string(s)
                          }
                      }, certificate: a.certificate, subscriber: a.subscriber, live: live ? a.live.flatMap(liveBinding) : nil,
                      web: a.web.mapValues { Array($0.utf8) })
        }
        let links = n.links.map { l in
            LinkSpec(l.a, l.b, transport: TransportKind(rawValue: l.transport.uppercased()) ?? .udp, latencyMs: Int(l.latencyMs),
                     loss: l.loss, duplicate: l.duplicate, reorder: l.reorder)
        }
        let subs = n.subscribers.map { s in
            SubscriberSpec(name: s.name, impus: s.impus, tn: s.tn.map { $0.hasPrefix("+") ? String($0.dropFirst()) : $0 },
                           password: s.password ?? "", thirdParty: s.thirdParty.map { AuthorisedIdentity(tn: $0.tn, name: $0.name ?? "") },
                           dataChannelApps: s.dataChannelApps,
                           aka: s.aka.map { AKASubscription(k: $0.k, opc: $0.opc, op: $0.op, amf: $0.amf, sqn: $0.sqn) })
        }
        var domains: [String: [String]] = [:]
        for d in n.trustDomains { domains[d.name] = d.members }
        // One shared generated PKI (cached by seed) unless the scenario asks for another.
        return NetworkSpec(actors: actors, trustDomains: domains, trustedPeers: n.trustedPeers, links: links, subscribers: subs,
                           pki: .generated(seed: n.pki.seed ?? 1))
    }

    struct StepError: Error, CustomStringConvertible {
        var description: String
    }

    private func perform(_ step: Step, drive: Drive, ctx: inout EvalContext, results: inout [AssertionResult]) throws {
        let net = drive.net
        switch step.kind {
        case .advance(let ms):
            drive.advance(ms: Int64(ms))
        case .expect(let xs):
            drive.idle()
            try drive.onLoop { for x in xs { results.append(ctx.evaluate(x)) } }
        case .sbaRequest where drive.live != nil:
            throw StepError(description: "sba_request runs only in simulated runs (the SBI is simulated)")
        case .attack:
            try drive.onLoop { try act(step, net: net, ctx: &ctx) }
        default:
            try drive.onLoop { try act(step, net: net, ctx: &ctx) }
            drive.idle()
        }
    }

    /// The network side of a step: on the actors' thread in a live run, never waiting.
    private func act(_ step: Step, net: SimulatedNetwork, ctx: inout EvalContext) throws {
        switch step.kind {
        case .register(let r):
            try net.register(ue: r.ue, password: r.password)
        case .call(let c):
            var o = CallOptions()
            o.displayName = c.displayName
            o.callReason = c.reason
            o.dataChannel = c.dataChannel
            if let d = c.dataChannelOffer { o.dataChannelOffer = EvalContext.offer(d) }
            for h in c.headers {
                let v = try ctx.resolve(h.value)
                switch h.name.lowercased() {
                case "p-preferred-identity": o.preferredIdentity = v
                case "p-asserted-identity": o.assertedIdentity = v
                case "privacy": o.privacy = v
                default: o.extraHeaders.append((h.name, v))
                }
            }
            let target = try ctx.resolve(c.to)
            let to = ctx.c.network.subscriber(target).flatMap { s in ctx.c.network.actor(target) == nil ? s.impus.first : nil } ?? target
            try net.call(from: c.from, to: to, id: c.id, options: o)
        case .answer(let a):
            try net.answer(a.call)
        case .hangup(let h):
            try net.hangup(h.call, by: h.by)
        case .send(let s):
            let text = try ctx.resolve(s.message)
            // YAML block scalars end lines with LF; SIP wants CRLF.
            var wire = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            // A block scalar loses the blank line that ends the header section; put it back.
            if !wire.contains("\r\n\r\n") { wire += wire.hasSuffix("\r\n") ? "\r\n" : "\r\n\r\n" }
            try net.send(from: s.from, to: s.to, message: wire)
        case .attack(let a):
            try net.attack(try action(a, ctx: ctx))
        case .advance, .expect:
            break
        case .sbaRequest(let s):
            try ctx.performSBA(s)
        case .replayCapture(let r):
            try ctx.replay(r, at: step.location)
        }
    }

    private func action(_ a: AttackStep, ctx: EvalContext) throws -> AttackAction {
        func p(_ k: String) throws -> String {
            guard let v = a.parameters[k] else { throw StepError(description: "attack \(a.action) needs \(k)") }
            return try ctx.resolve(Template(text: v.value, location: v.location))
        }
        func ms(_ k: String) throws -> Int64 { Int64(try p(k)) ?? 0 }
        let kind: AttackKind
        switch a.action {
        case "observe": kind = .observe
        case "drop": kind = .drop
        case "delay": kind = .delay(ms: try ms("by"))
        case "duplicate": kind = .duplicate
        case "replay": kind = .replay(afterMs: try ms("after"))
        case "set_header": kind = .setHeader(name: try p("header"), value: try p("value"))
        case "remove_header": kind = .removeHeader(name: try p("header"))
        case "duplicate_header": kind = .duplicateHeader(name: try p("header"))
        case "change_uri": kind = .changeRequestURI(try p("value"))
        case "set_body": kind = .setBody(try p("value"))
        case "set_parameter": kind = .setParameter(header: try p("header"), name: try p("parameter"), value: try p("value"))
        case "inject_crlf": kind = .injectCRLF(header: try p("header"), injected: try p("value"))
        case "sign_with":
            guard let cred = SigningCredential(rawValue: try p("key")) else { throw StepError(description: "unknown key") }
            func optional(_ k: String) throws -> String? { a.parameters[k] == nil ? nil : try p(k) }
            // `origid: none` leaves the claim out.
            let origid = try optional("origid").map { $0 == "none" ? "" : $0 }
            var overrides = PASSporTOverrides(attest: try optional("attest"), origid: origid,
                                              rcdName: try optional("rcd_name"), x5u: try optional("x5u"))
            overrides.icon = try optional("icon")
            overrides.iconContent = try optional("icon_content")
            overrides.jcard = try optional("jcard")
            overrides.jcardContent = try optional("jcard_content")
            // `jcd: none` leaves the claim out (so a matrix can toggle it).
            if let text = try optional("jcd"), text != "none" {
                guard let card = try? JSONValue.parse(text) else {
                    throw StepError(description: "jcd '\(text)' is not JSON (an inline jCard such as '[\"vcard\",[]]')")
                }
                overrides.jcd = card
            }
            if let t = try optional("iat_offset") {
                // Seconds, optionally with an `s` suffix: -120 or -120s.
                guard let v = Int64(t.hasSuffix("s") ? String(t.dropLast()) : t) else {
                    throw StepError(description: "iat_offset '\(t)' is not a number of seconds such as -120s")
                }
                overrides.iatOffset = v
            }
            kind = .signWith(cred, overrides)
        case "tamper_identity":
            guard let part = IdentityPart(rawValue: try p("part")) else { throw StepError(description: "unknown part") }
            kind = .tamperIdentity(part)
        default: throw StepError(description: "unsupported attack \(a.action)")
        }
        let m = a.match
        // `method:` alone means the request; responses are picked with `status:`.
        let match = MessageMatch(link: m.link.map { "\($0[0])<->\($0[1])" }, from: m.from, to: m.to, method: m.method,
                                 status: m.status, requestsOnly: m.method != nil && m.status == nil, nth: m.nth)
        return AttackAction(kind, match: match)
    }

    /// Diagram rows: one per message handed to an actor or dropped, marked when an attacker
    /// touched it. An attacker event belongs to the delivery of the same bytes on the same hop
    /// (other messages may arrive in between); a message the attacker dropped has only its event.
    func diagram(_ trace: [TraceEvent], failed: Set<Int>) -> [DiagramMessage] {
        struct Hop: Hashable { let from: String, to: String, bytes: [UInt8] }
        var rows: [DiagramMessage] = []
        var attacks: [Hop: [String]] = [:]
        func row(_ e: TraceEvent, attacker: Bool, dropped: Bool, note: String?) {
            var details: [String] = []
            if let m = e.message {
                for v in m.listValues("P-Asserted-Identity") { details.append("PAI: " + v) }
                if let pr = m.value("Privacy") { details.append("Privacy: " + pr) }
                if m.contains("Identity") { details.append("Identity: \(m.values("Identity").count) header(s)") }
                if let pp = m.value("P-Preferred-Identity") { details.append("PPI: " + pp) }
            }
            rows.append(DiagramMessage(index: rows.count, timeMs: Double(e.timeMs), from: e.from, to: e.to, label: e.summary,
                                       details: details, attacker: attacker, dropped: dropped, failed: failed.contains(e.seq), note: note))
        }
        for e in trace where !e.bytes.isEmpty {
            switch e.kind {
            case .attacker where e.note == AttackAction.droppedNote:
                row(e, attacker: true, dropped: true, note: e.note)
            case .attacker:
                attacks[Hop(from: e.from, to: e.to, bytes: e.bytes), default: []].append(e.note)
            case .delivered, .dropped:
                let hop = Hop(from: e.from, to: e.to, bytes: e.bytes)
                let attack = attacks[hop]?.first
                if attack != nil { attacks[hop]?.removeFirst() }
                let attacked = attack != nil || e.note.lowercased().contains("attack") || e.note.contains("injected")
                row(e, attacker: attacked, dropped: e.kind == .dropped, note: attack ?? (e.note.isEmpty ? nil : e.note))
            default: break
            }
        }
        return rows
    }
}

/// What assertions and templates read: the network after (or during) the run.
struct EvalContext {
    let net: SimulatedNetwork
    let c: ScenarioCase
    /// `sba_request` id -> the network's exchange id.
    var sbaIDs: [String: String] = [:]

    func resolve(_ t: Template) throws -> String {
        var out = ""
        var rest = Substring(t.text)
        while let open = rest.range(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") {
            out += rest[..<open.lowerBound]
            let ref = String(rest[open.upperBound..<close])
            guard let v = value(ref) else {
                throw ScenarioEngine.StepError(description: "\(t.location): template ${\(ref)} has no value at this point")
            }
            out += v
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    func value(_ ref: String) -> String? {
        let parts = ref.split(separator: ".").map(String.init)
        guard parts.count == 2 else { return nil }
        let (root, field) = (parts[0], parts[1])
        if let s = c.network.subscriber(root) ?? c.network.actor(root).flatMap({ a in c.network.subscriber(a.subscriber ?? a.name) }),
           c.network.actor(root)?.role ?? "ue" == "ue" {
            switch field {
            case "impu", "uri": return s.impus.first
            case "tn": return s.tn
            case "name": return s.displayName ?? s.name
            case "password": return s.password
            case "domain": return s.impus.first.flatMap { $0.split(separator: "@").last.map(String.init) }
            default: break
            }
        }
        if let a = c.network.actor(root) {
            switch field {
            case "name": return a.name
            case "address", "host": return net.address(of: a.name).map { field == "host" ? $0.uriHost : "\($0.uriHost):\($0.port)" }
            case "uri": return net.address(of: a.name).map { "sip:\($0.uriHost):\($0.port)" }
            default: break
            }
        }
        if let st = net.callState(root) {
            switch field {
            case "callid": return st.sipCallID
            case "id": return root
            case "from": return st.ue
            default: break
            }
        }
        return nil
    }

    // MARK: assertions

    func evaluate(_ a: Assertion) -> AssertionResult {
        var r = AssertionResult(assertion: a, passed: true, message: "held")
        let trace = net.trace
        switch a.kind {
        case .never(let sel):
            if let e = trace.first(where: { matches(sel, $0) }) {
                r.passed = false
                r.message = "\(describe(sel)) was seen: \(e.summary) \(e.from) -> \(e.to)"
                r.eventSeq = e.seq
                r.evidence = evidence(e, header: sel.header)
            }
        case .eventually(let sel):
            if !trace.contains(where: { matches(sel, $0) }) {
                r.passed = false
                r.message = "\(describe(sel)) was never seen"
                var near = sel
                near.predicate = nil
                near.header = nil
                if let e = trace.last(where: { matches(near, $0) }) ?? trace.last(where: { $0.kind == .delivered && (sel.at == nil || $0.to == sel.at) }) {
                    r.message += "; closest: \(e.summary) \(e.from) -> \(e.to)"
                    r.eventSeq = e.seq
                    r.evidence = evidence(e, header: sel.header)
                }
            }
        case .count(let sel, let lo, let hi):
            let hits = trace.filter { matches(sel, $0) }
            if let lo, hits.count < lo { r.passed = false }
            if let hi, hits.count > hi { r.passed = false }
            if !r.passed {
                let bound = lo == hi ? "exactly \(lo ?? 0)" : [lo.map { "at least \($0)" }, hi.map { "at most \($0)" }].compactMap { $0 }.joined(separator: " and ")
                r.message = "\(describe(sel)): \(hits.count) message(s), expected \(bound)"
                if let e = hits.last ?? trace.last(where: { $0.kind == .delivered }) {
                    r.eventSeq = e.seq
                    r.evidence = evidence(e, header: sel.header)
                }
            }
        case .display(let ue, let verstat, let name, let reason, let identity):
            guard let d = net.display(of: ue) else {
                r.passed = false
                r.message = "\(ue) shows no incoming call"
                break
            }
            var problems: [String] = []
            if let v = verstat {
                let shown = d.verstat ?? "none"
                if shown != v { problems.append("verstat is \(shown), expected \(v)") }
            }
            if let n = name, (d.name ?? "") != n { problems.append("name shown is \(d.name.map { "'\($0)'" } ?? "none"), expected '\(n)'") }
            if let rs = reason, (d.callReason ?? "") != rs { problems.append("call reason is \(d.callReason.map { "'\($0)'" } ?? "none"), expected '\(rs)'") }
            if let t = identity {
                let want = (try? resolve(t)) ?? t.text
                if !(d.identity ?? "").contains(want) { problems.append("identity shown is \(d.identity ?? "none"), expected \(want)") }
            }
            if !problems.isEmpty {
                r.passed = false
                r.message = "\(ue) display: " + problems.joined(separator: "; ")
                if let e = trace.last(where: { $0.kind == .delivered && $0.to == ue && $0.message?.method == "INVITE" }) {
                    r.eventSeq = e.seq
                    r.evidence = evidence(e, header: "P-Asserted-Identity")
                }
            }
        case .verdict(let at, let valid, let policy, let status):
            let notes = trace.filter { $0.kind == .rule && $0.note.contains("VerifyIdentity") && (at == nil || $0.from == at) }
            guard let e = notes.last else {
                r.passed = false
                r.message = "no verification verdict recorded\(at.map { " at \($0)" } ?? "")"
                break
            }
            let isValid = e.note.contains("Identity verified")
            var problems: [String] = []
            if let valid, valid != isValid { problems.append("verdict is \(isValid ? "valid" : "invalid"), expected \(valid ? "valid" : "invalid")") }
            if let policy, !e.note.contains(policy) { problems.append("failed policy is not \(policy)") }
            if let status, !e.note.contains("-> \(status)") { problems.append("status is not \(status)") }
            if !problems.isEmpty {
                r.passed = false
                r.message = problems.joined(separator: "; ") + " (verifier said: \(e.note))"
                r.eventSeq = e.seq
                r.evidence = Evidence(time: ReportFormat.virtualTime(ms: Double(e.timeMs)), hop: e.from, excerpt: e.note)
            }
        case .privacyRespected:
            for e in trace where e.kind == .delivered {
                guard net.crossesTrustBoundary(e.from, e.to) == true, let m = e.message, m.isRequest,
                      let privacy = m.value("Privacy"), privacy.split(separator: ";").contains(where: { $0.trimmingCharacters(in: .whitespaces).lowercased() == "id" }),
                      !m.listValues("P-Asserted-Identity").isEmpty else { continue }
                r.passed = false
                r.message = "P-Asserted-Identity with Privacy: id left the trust domain: \(e.from) -> \(e.to)"
                r.eventSeq = e.seq
                r.evidence = evidence(e, header: "P-Asserted-Identity")
                break
            }
        case .noUEAssertedIdentity:
            let untrusted = Set(c.network.actors.filter { $0.role == "ue" || $0.role == "attacker" }.map(\.name))
            let trusted = Set(c.network.trustDomains.flatMap(\.members))
            var forged = Set<String>()
            // A UE's own IMPUs are what its P-CSCF may assert anyway, so only other values count.
            // What arrived from the UE side (after any attacker on the access link).
            for e in trace where e.kind == .delivered && untrusted.contains(e.from) {
                let own = c.network.actor(e.from).flatMap { a in a.role == "ue" ? c.network.subscriber(a.subscriber ?? a.name) : nil }?.impus ?? []
                for v in e.message?.listValues("P-Asserted-Identity") ?? [] where !own.contains(Self.addrSpec(v)) {
                    forged.insert(Self.addrSpec(v))
                }
            }
            // Passed on inside the trust domain: the first trusted hop receiving it is no violation.
            for e in trace where e.kind == .delivered && trusted.contains(e.to) && trusted.contains(e.from) && !forged.isEmpty {
                guard let m = e.message, m.isRequest,
                      let v = m.listValues("P-Asserted-Identity").first(where: { forged.contains(Self.addrSpec($0)) }) else { continue }
                r.passed = false
                r.message = "UE-supplied P-Asserted-Identity \(v) reached trusted node \(e.to)"
                r.eventSeq = e.seq
                r.evidence = evidence(e, header: "P-Asserted-Identity")
                break
            }
        case .callEstablished(let id, let established):
            let st = net.callState(id)
            let was = st.map { ($0.finalStatus ?? 0) / 100 == 2 || $0.phase == .established } ?? false
            if was != established {
                r.passed = false
                let how = st.map { "phase \($0.phase.rawValue)" + ($0.finalStatus.map { ", final status \($0)" } ?? "") + ($0.finalReason.map { " \($0)" } ?? "") + ($0.timedOut ? ", timed out" : "") } ?? "never started"
                r.message = "call '\(id)' was \(was ? "" : "not ")established (\(how)); expected \(established ? "established" : "not established")"
                if let sipID = st?.sipCallID,
                   let e = trace.last(where: { $0.kind == .delivered && $0.message.map { $0.value("Call-ID") == sipID && !$0.isRequest } ?? false }) {
                    r.eventSeq = e.seq
                    r.evidence = evidence(e, header: nil)
                }
            }
        case .dataChannel(let at, let app, let stream, let active):
            evaluateDataChannel(&r, at: at, app: app, stream: stream, active: active)
        case .sbaResponse(let request, let status, let error, let tlsFailure):
            evaluateSBA(&r, request: request, status: status, error: error, tlsFailure: tlsFailure)
        }
        return r
    }

    static func addrSpec(_ v: String) -> String {
        if let l = v.firstIndex(of: "<"), let r = v[l...].firstIndex(of: ">") { return String(v[v.index(after: l)..<r]) }
        return v.trimmingCharacters(in: .whitespaces)
    }

    func matches(_ s: MessageSelector, _ e: TraceEvent) -> Bool {
        guard e.kind == .delivered, !e.bytes.isEmpty else { return false }
        if let at = s.at, e.to != at { return false }
        if let from = s.from, e.from != from { return false }
        guard s.method != nil || s.status != nil || s.statusClass != nil || s.header != nil || s.call != nil else { return true }
        guard let m = e.message else { return false }
        if s.status != nil || s.statusClass != nil {
            guard let code = m.statusCode else { return false }
            if let st = s.status, code != st { return false }
            if let k = s.statusClass, code / 100 != k { return false }
            if let method = s.method, m.headerValue(CSeq.self)?.method != method { return false }
        } else if let method = s.method, m.method != method {
            return false
        }
        if let call = s.call {
            guard let id = net.callState(call)?.sipCallID, m.value("Call-ID") == id else { return false }
        }
        guard let h = s.header else { return true }
        let values = m.listValues(h)
        switch s.predicate ?? .present {
        case .present: return !values.isEmpty
        case .absent: return values.isEmpty
        case .equals(let t):
            let want = (try? resolve(t)) ?? t.text
            return values.contains { $0.trimmingCharacters(in: .whitespaces) == want || Self.addrSpec($0) == want }
        case .contains(let t):
            let want = (try? resolve(t)) ?? t.text
            return values.contains { $0.contains(want) }
        case .matches(let pattern):
            guard let re = try? NSRegularExpression(pattern: pattern) else { return false }
            return values.contains { re.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }
        }
    }

    func describe(_ s: MessageSelector) -> String {
        var parts: [String] = []
        if let m = s.method { parts.append(m) }
        if let st = s.status { parts.append("status \(st)") }
        if let k = s.statusClass { parts.append("status \(k)xx") }
        if parts.isEmpty { parts.append("a message") }
        if let h = s.header {
            switch s.predicate ?? .present {
            case .present: parts.append("with \(h)")
            case .absent: parts.append("without \(h)")
            case .equals(let t): parts.append("with \(h) = \((try? resolve(t)) ?? t.text)")
            case .contains(let t): parts.append("with \(h) containing \((try? resolve(t)) ?? t.text)")
            case .matches(let p): parts.append("with \(h) matching /\(p)/")
            }
        }
        if let f = s.from { parts.append("from \(f)") }
        if let at = s.at { parts.append("at \(at)") }
        return parts.joined(separator: " ")
    }

    /// Time, hop and a short excerpt: the first line and the header the assertion is about.
    func evidence(_ e: TraceEvent, header: String?) -> Evidence {
        let text = String(decoding: e.bytes, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        var excerpt = [lines.first ?? ""]
        if let h = header {
            let lower = h.lowercased() + ":"
            excerpt += lines.dropFirst().filter { $0.lowercased().hasPrefix(lower) }
        } else {
            excerpt += lines.dropFirst().filter { $0.lowercased().hasPrefix("call-id:") || $0.lowercased().hasPrefix("cseq:") }
        }
        return Evidence(time: ReportFormat.virtualTime(ms: Double(e.timeMs)), hop: "\(e.from) -> \(e.to)",
                        excerpt: excerpt.prefix(6).joined(separator: "\n"))
    }
}
