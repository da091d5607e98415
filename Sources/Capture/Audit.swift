import Foundation
import Identity
import SIPCore
internal import X509

public struct AuditOptions: Sendable {
    public enum Clock: Sendable, Equatable {
        /// Each packet's own timestamp is "now" for certificates and freshness.
        case capture
        /// One fixed time (seconds since 1970), e.g. the wall clock read by the CLI.
        case fixed(Int64)
    }
    public var roles: CaptureRoles?
    public var trust: IdentityTrust?
    public var clock: Clock = .capture
    public var reader = SIPCaptureReader.Options()
    /// Caps on what the report lists (counts stay exact).
    public var maxListed = 1000
    public var maxIdentityChecks = 10_000
    public init() {}
}

/// A check over the captured traffic that did not hold.
public struct AuditViolation: Sendable, Hashable {
    public var check: String
    public var packet: Int
    public var message: String
}

/// One Identity header seen in the capture and what became of it.
public struct IdentityAuditEntry: Sendable {
    public var packet: Int
    public var time: Int64
    public var src: Endpoint
    public var dst: Endpoint
    public var callID: String
    public var method: String
    /// 0-based among the request's Identity headers.
    public var index: Int
    /// valid / invalid / undecodable / not-verified (no trust anchors)
    public var verdict: String
    public var detail: String
    public var verstat: String?
    public var sipStatus: Int?
    public var policy: String?
}

public struct AuditCheck: Sendable, Hashable {
    public enum Status: String, Sendable { case passed, failed, skipped }
    public var name: String
    public var status: Status
    public var message: String
}

public struct AuditReport: Sendable {
    public var file: String
    public var statistics = CaptureStatistics()
    public var requests: [String: Int] = [:]
    public var responses: [Int: Int] = [:]
    public var dialogs = 0
    public var callIDs = 0
    public var dialogDetails: [DialogTracker.Summary] = []
    public var dialogDetailsTruncated = false
    public var findingCounts: [CaptureFinding.Kind: Int] = [:]
    public var findings: [CaptureFinding] = []
    public var identity: [IdentityAuditEntry] = []
    public var identityTruncated = false
    public var violations: [AuditViolation] = []
    public var violationCounts: [String: Int] = [:]
    public var checks: [AuditCheck] = []
    public var captureError: CaptureError?

    public var sipMessages: Int { statistics.sipMessages }
    public var malformedCount: Int { findingCounts[.malformedSIP] ?? 0 }
    public var passed: Bool { !checks.contains { $0.status == .failed } }
}

/// Audits a capture: counts, dialogs, malformed messages, Identity headers and, with a roles
/// file, the RFC 3325 / TS 24.229 / RFC 8224 rules that must hold on the wire:
/// - `no-ue-pai-forwarded-by-pcscf`: a PAI a UE put in its request must not leave the P-CSCF;
/// - `no-pai-to-untrusted-with-privacy-id`: with `Privacy: id`, no PAI towards an address
///   outside the trusted domains;
/// - `terminating-invite-identity`: an initial INVITE entering a terminating domain carries
///   an Identity that verifies (at the packet's time with `--at capture`).
public final class CaptureAuditor {
    public let options: AuditOptions
    private var report: AuditReport
    /// "Call-ID CSeq" -> PAI URIs a UE supplied to a P-CSCF (bounded).
    private var uePAI: [String: [String]] = [:]
    private struct Pending { var m: CapturedMessage; var terminating: Bool }
    private var pendingIdentity: [Pending] = []
    private var terminatingInvites = 0
    /// Counting state, one struct so the per-message path makes one property access.
    private var counts = Counts()

    public init(file: String, options: AuditOptions = AuditOptions()) {
        self.options = options
        report = AuditReport(file: file)
        counts.dialogs.maxDetails = options.maxListed
    }

    /// Reads the whole capture and returns the report. A capture that cannot be opened
    /// throws; one that breaks off (e.g. a truncated last record) gives a partial report with
    /// `captureError` set and a failed `capture-readable` check.
    public static func audit(path: String, options: AuditOptions = AuditOptions()) async throws(CaptureError) -> AuditReport {
        let reader = try SIPCaptureReader(path: path, options: options.reader)
        let auditor = CaptureAuditor(file: path, options: options)
        let failure = auditor.read(reader)
        return await auditor.finish(statistics: reader.statistics, captureError: failure)
    }

    /// Feeds every event of `reader` through the auditor (the synchronous part of `audit`).
    /// Returns the read error that ended the capture early, if any.
    public func read(_ reader: SIPCaptureReader) -> CaptureError? {
        // Only Identity-bearing requests (and every message, for the roles checks) need a
        // SIPMessage; the rest are counted from their digest.
        let roles = options.roles != nil
        // Counted in a local, moved out and back: the class property would cost a dynamic
        // exclusivity check on every message.
        var counts = self.counts
        self.counts = Counts()
        defer { self.counts = counts }
        do {
            try reader.scan(digested: { d, raw, packet, time in
                if roles || (d.isRequest && d.hasIdentity) { return false }
                counts.count(d, raw, packet: packet, time: time)
                return true
            }) { item in
                switch item {
                case .event(let e, let raw, let digest): consume(e, raw: raw, digest: digest, &counts)
                }
            }
            return nil
        } catch {
            return error
        }
    }

    public func consume(_ event: CaptureEvent) {
        consume(event, raw: nil)
    }

    /// `raw`: the message's bytes when the reader has them at hand (UDP), saving a copy.
    public func consume(_ event: CaptureEvent, raw: UnsafeRawBufferPointer?) {
        consume(event, raw: raw, digest: nil, &counts)
    }

    private func consume(_ event: CaptureEvent, raw: UnsafeRawBufferPointer?, digest: MessageDigest?, _ counts: inout Counts) {
        switch event {
        case .finding(let f):
            report.findingCounts[f.kind, default: 0] += 1
            if report.findings.count < options.maxListed { report.findings.append(f) }
        case .message(let m):
            if let raw {
                message(m, raw, digest ?? MessageDigest(raw, limits: options.reader.parseLimits), &counts)
            } else {
                m.message.bytes.withUnsafeBytes { message(m, $0, MessageDigest($0, limits: options.reader.parseLimits), &counts) }
            }
        }
    }

    private func violate(_ check: String, _ packet: Int, _ text: String) {
        report.violationCounts[check, default: 0] += 1
        if report.violations.count < options.maxListed { report.violations.append(AuditViolation(check: check, packet: packet, message: text)) }
    }

    /// A message parsed into a SIPMessage (Identity-bearing, roles checks, TCP, or one the
    /// digest was not sure of): counted like the rest, then the checks that need it.
    private func message(_ m: CapturedMessage, _ raw: UnsafeRawBufferPointer, _ d: MessageDigest, _ counts: inout Counts) {
        let msg = m.message
        counts.count(d, raw, packet: m.packet, time: m.time, message: msg)
        let hasIdentity = msg.isRequest && (d.folded ? msg.contains(.identity) : d.hasIdentity)
        var terminating = false
        if let roles = options.roles {
            rolesChecks(m, roles, terminating: &terminating)
        }
        if hasIdentity || terminating {
            if pendingIdentity.count < options.maxIdentityChecks {
                // A compact copy: the reader's message shares a buffer it reuses.
                var kept = m
                if let copy = try? SIPMessage(parsing: msg.bytes, limits: options.reader.parseLimits) { kept.message = copy }
                pendingIdentity.append(Pending(m: kept, terminating: terminating))
            } else {
                report.identityTruncated = true
            }
        }
    }

    private static func uris(_ values: [String]) -> [String] {
        values.flatMap(splitHeaderList).map { v in
            (try? AddressValue(parsing: v)).map { $0.uri.description } ?? v.trimmingCharacters(in: .whitespaces)
        }
    }

    private func rolesChecks(_ m: CapturedMessage, _ roles: CaptureRoles, terminating: inout Bool) {
        let msg = m.message
        let srcNode = roles.node(at: m.src), dstNode = roles.node(at: m.dst)
        let pai = msg.values(.pAssertedIdentity)
        if msg.isRequest, let callID = msg.value(.callID), let cseq = msg.value(.cseq) {
            let key = callID + " " + cseq
            if srcNode?.role == "ue", dstNode?.role == "pcscf", !pai.isEmpty {
                if uePAI.count >= 50_000 { uePAI.removeAll() }  // bound; later matches are missed, not invented
                uePAI[key] = Self.uris(pai)
            } else if srcNode?.role == "pcscf", dstNode?.role != "ue", let supplied = uePAI[key] {
                let forwarded = Self.uris(pai).filter(supplied.contains)
                if !forwarded.isEmpty {
                    violate("no-ue-pai-forwarded-by-pcscf", m.packet,
                            "\(srcNode?.name ?? "\(m.src)") forwarded \(msg.method ?? "request") with the UE-supplied P-Asserted-Identity \(forwarded.joined(separator: ", ")) to \(dstNode?.name ?? "\(m.dst)") (Call-ID \(callID))")
                }
                uePAI[key] = nil
            }
        }
        if !pai.isEmpty, roles.isTrusted(m.src), !roles.isTrusted(m.dst),
           msg.values(.privacy).flatMap({ $0.split(whereSeparator: { $0 == ";" || $0 == "," || $0 == " " }) })
               .contains(where: { $0.lowercased() == "id" }) {
            violate("no-pai-to-untrusted-with-privacy-id", m.packet,
                    "\(msg.method ?? "response \(msg.statusCode ?? 0)") with Privacy: id carries P-Asserted-Identity from \(srcNode?.name ?? "\(m.src)") into untrusted \(dstNode?.name ?? "\(m.dst)")")
        }
        if msg.method == "INVITE", !roles.isTerminating(m.src), roles.isTerminating(m.dst),
           msg.value(.to).flatMap(DialogTracker.tag) == nil {
            terminating = true
            terminatingInvites += 1
        }
    }

    /// Verifies the collected Identity headers and settles the checks.
    public func finish(statistics: CaptureStatistics, captureError: CaptureError?) async -> AuditReport {
        counts.dialogs.finish()
        let dialogs = counts.dialogs
        report.requests = counts.methods.counts
        report.responses = [:]
        for (code, n) in counts.statuses.enumerated() where n > 0 { report.responses[code] = n }
        report.statistics = statistics
        report.captureError = captureError
        report.dialogs = dialogs.dialogCount
        report.callIDs = dialogs.callIDCount
        report.dialogDetails = dialogs.details
        report.dialogDetailsTruncated = dialogs.detailsTruncated
        if let e = captureError {
            report.findingCounts[.captureError, default: 0] += 1
            report.findings.append(CaptureFinding(packet: statistics.packets, time: 0, kind: .captureError, message: e.description))
        }
        var identityFailures = 0
        for p in pendingIdentity {
            let entries = await verifyEach(p.m)
            identityFailures += entries.filter { $0.verdict != "valid" && $0.verdict != "not-verified" }.count
            report.identity += entries
            if p.terminating { await terminatingCheck(p.m, entries) }
        }

        var checks: [AuditCheck] = []
        checks.append(captureError.map { AuditCheck(name: "capture-readable", status: .failed, message: $0.description) }
                      ?? AuditCheck(name: "capture-readable", status: .passed, message: "\(statistics.packets) packets read"))
        let malformed = report.malformedCount
        checks.append(AuditCheck(name: "well-formed-sip", status: malformed == 0 ? .passed : .failed,
                                 message: "\(malformed) malformed SIP message(s) of \(statistics.sipMessages + malformed)"))
        if report.identity.isEmpty {
            checks.append(AuditCheck(name: "identity-verifies", status: .passed, message: "no Identity headers"))
        } else if options.trust == nil {
            let bad = report.identity.filter { $0.verdict == "undecodable" }.count
            checks.append(AuditCheck(name: "identity-verifies", status: bad > 0 ? .failed : .skipped,
                                     message: "\(report.identity.count) Identity header(s) decoded, \(bad) undecodable; not verified (no --trust-anchor)"))
        } else {
            checks.append(AuditCheck(name: "identity-verifies", status: identityFailures == 0 ? .passed : .failed,
                                     message: "\(report.identity.count - identityFailures) of \(report.identity.count) Identity header(s) verify"))
        }
        for name in ["no-ue-pai-forwarded-by-pcscf", "no-pai-to-untrusted-with-privacy-id", "terminating-invite-identity"] {
            guard options.roles != nil else {
                checks.append(AuditCheck(name: name, status: .skipped, message: "needs --roles"))
                continue
            }
            let n = report.violationCounts[name] ?? 0
            if name == "terminating-invite-identity", options.trust == nil, n == 0, terminatingInvites > 0 {
                checks.append(AuditCheck(name: name, status: .skipped, message: "\(terminatingInvites) INVITE(s) carry Identity; verifying needs --trust-anchor"))
                continue
            }
            checks.append(AuditCheck(name: name, status: n == 0 ? .passed : .failed,
                                     message: n == 0 ? "holds" : "\(n) violation(s)"))
        }
        report.checks = checks
        return report
    }

    private func now(_ m: CapturedMessage) -> Int64 {
        switch options.clock {
        case .capture: m.seconds
        case .fixed(let t): t
        }
    }

    private func keys(for request: SIPMessage, at seconds: Int64, _ trust: IdentityTrust) async -> CertificateKeyProvider {
        let urls = request.values(.identity).compactMap { try? IdentityValue(parsing: $0).info }
        return await CertificateKeyProvider.prepare(urls: urls, repository: trust.repository,
                                                    validator: CertificateChainValidator(trustAnchors: trust.anchors),
                                                    at: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// One entry per Identity header, each verified on its own (the request with only it).
    private func verifyEach(_ m: CapturedMessage) async -> [IdentityAuditEntry] {
        let values = m.message.values(.identity)
        var out: [IdentityAuditEntry] = []
        let base = IdentityAuditEntry(packet: m.packet, time: m.time, src: m.src, dst: m.dst, callID: m.message.value(.callID) ?? "",
                                      method: m.message.method ?? "", index: 0, verdict: "", detail: "")
        for (i, value) in values.enumerated() {
            var e = base
            e.index = i
            let decoded: DecodedPASSporT
            do { decoded = try DecodedPASSporT.decode(identityHeader: value) } catch {
                e.verdict = "undecodable"
                e.detail = error.description
                out.append(e)
                continue
            }
            guard let trust = options.trust else {
                e.verdict = "not-verified"
                e.detail = decoded.problems.isEmpty ? "decoded (\(decoded.form.rawValue) form)" : decoded.problems.joined(separator: "; ")
                out.append(e)
                continue
            }
            var single = m.message
            _ = single.removeHeader("Identity")
            single.addHeader("Identity", value)
            let seconds = now(m)
            let verdict = StandaloneVerifier.verify(request: single, checkOrig: true, checkDest: true, now: seconds,
                                                    keys: await keys(for: single, at: seconds, trust))
            e.verdict = verdict.isValid ? "valid" : "invalid"
            e.detail = verdict.summaryLine
            e.verstat = verdict.verstat.rawValue
            e.sipStatus = verdict.rejection?.status
            e.policy = verdict.failedPolicy
            out.append(e)
        }
        return out
    }

    private func terminatingCheck(_ m: CapturedMessage, _ entries: [IdentityAuditEntry]) async {
        let name = "terminating-invite-identity"
        let who = "INVITE \(m.src) -> \(m.dst) (Call-ID \(m.message.value(.callID) ?? "?"))"
        if entries.isEmpty {
            violate(name, m.packet, "\(who) enters the terminating network without an Identity header")
            return
        }
        guard let trust = options.trust else { return }
        let seconds = now(m)
        let verdict = StandaloneVerifier.verify(request: m.message, checkOrig: true, checkDest: true, now: seconds,
                                                keys: await keys(for: m.message, at: seconds, trust))
        if !verdict.isValid {
            violate(name, m.packet, "\(who): Identity does not verify at \(seconds): \(verdict.summaryLine)")
        }
    }
}

/// Requests per method, keyed by the method's bytes: a short linear table (captures hold a
/// handful of methods), spilling into a Dictionary past 32 distinct ones.
struct MethodCounter {
    private var names: [[UInt8]] = []
    private var words: [UInt64] = []  // first 8 bytes, for a one-compare miss
    private var tallies: [Int] = []
    private var spill: [String: Int] = [:]

    mutating func add(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) {
        var w: UInt64 = UInt64(r.count) << 56
        var i = r.lowerBound
        var shift: UInt64 = 0
        while i < r.upperBound, shift < 56 { w |= UInt64(p[i]) << shift; shift += 8; i += 1 }
        for k in words.indices where words[k] == w {
            if r.count <= 7 || names[k].withUnsafeBytes({ $0.elementsEqual(UnsafeRawBufferPointer(rebasing: p[r])) }) {
                tallies[k] += 1
                return
            }
        }
        if words.count < 32 {
            names.append(Array(UnsafeRawBufferPointer(rebasing: p[r])))
            words.append(w)
            tallies.append(1)
        } else {
            spill[String(decoding: UnsafeRawBufferPointer(rebasing: p[r]), as: UTF8.self), default: 0] += 1
        }
    }

    var counts: [String: Int] {
        var out = spill
        for k in names.indices { out[String(decoding: names[k], as: UTF8.self), default: 0] += tallies[k] }
        return out
    }
}

/// Message counts and dialog state, fed from digests: no String, no allocation per message.
struct Counts {
    var methods = MethodCounter()
    /// Responses per status code (the parser admits 100...699 only).
    var statuses = [Int](repeating: 0, count: 700)
    var dialogs = DialogTracker()

    /// A message counted from its digest alone.
    mutating func count(_ d: MessageDigest, _ raw: UnsafeRawBufferPointer, packet: Int, time: Int64) {
        count(d, raw, packet: packet, time: time, isRequest: d.isRequest, status: Int(d.status))
    }

    /// A parsed message: its String accessors stand in for the digest's values when a header
    /// was folded (the digest does not unfold). Separate from the digest-only path, which then
    /// never copies an optional SIPMessage.
    mutating func count(_ d: MessageDigest, _ raw: UnsafeRawBufferPointer, packet: Int, time: Int64, message: SIPMessage) {
        let isRequest = message.isRequest
        let status = message.statusCode ?? Int(d.status)
        guard d.folded else { return count(d, raw, packet: packet, time: time, isRequest: isRequest, status: status) }
        tally(d, raw, isRequest: isRequest, status: status)
        dialogs.add(CapturedMessage(packet: packet, time: time, src: Endpoint(.v4(0), 0), dst: Endpoint(.v4(0), 0),
                                    transport: .udp, message: message))
    }

    private mutating func tally(_ d: MessageDigest, _ raw: UnsafeRawBufferPointer, isRequest: Bool, status: Int) {
        if isRequest {
            methods.add(raw, d.method)
        } else if status > 0, status < statuses.count {
            statuses[status] += 1
        }
    }

    private mutating func count(_ d: MessageDigest, _ raw: UnsafeRawBufferPointer, packet: Int, time: Int64, isRequest: Bool, status: Int) {
        tally(d, raw, isRequest: isRequest, status: status)
        guard let callID = d.callID else { return }
        var pair: UInt64 = 0
        var method = DialogTracker.CSeqMethod.other
        if !isRequest, let cm = d.cseqMethod(raw) {
            method = DialogTracker.method(raw, cm)
            if method == .invite || method == .dialogCreating, (101...299).contains(status), let from = d.fromTag(raw), let to = d.toTag(raw) {
                pair = DialogTracker.pairHash(byteHash(raw, from), byteHash(raw, to))
            }
        }
        func text(_ r: Range<Int>?) -> String? {
            r.map { String(decoding: UnsafeRawBufferPointer(rebasing: raw[$0]), as: UTF8.self) }
        }
        dialogs.add(time: time, packet: packet, callID: byteHash(raw, callID), status: isRequest ? 0 : status, cseqMethod: method,
                    dialogPair: pair,
                    describe: { (text(callID) ?? "", (isRequest ? text(d.method) : text(d.cseqMethod(raw))) ?? "?") },
                    pairText: { (text(d.fromTag(raw)) ?? "") + "/" + (text(d.toTag(raw)) ?? "") })
    }
}
