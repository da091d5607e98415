import Foundation
import Identity
import SIPCore
import X509

/// Trust anchors and certificate files for verifying captured Identity headers.
public struct IdentityTrust: Sendable {
    public var anchors: [Certificate]
    public var repository: any CertificateRepository

    public init(anchors: [Certificate], repository: any CertificateRepository) {
        self.anchors = anchors
        self.repository = repository
    }

    /// Loads PEM anchors, a `pki init` map file and `URL=FILE` pairs (pairs override the map),
    /// the same inputs `passport verify` takes.
    public static func load(anchorFiles: [String], mapFile: String?, pairs: [String: String]) throws -> IdentityTrust {
        var anchors: [Certificate] = []
        for f in anchorFiles { anchors += try PEMChainFile.load(URL(fileURLWithPath: f)) }
        var files: [String: URL] = [:]
        if let mapFile { files = try MapFileCertificateRepository(mapFile: URL(fileURLWithPath: mapFile)).files }
        for (url, file) in pairs { files[url] = URL(fileURLWithPath: file) }
        return IdentityTrust(anchors: anchors, repository: FileCertificateRepository(files: files))
    }
}

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
    private var dialogs = DialogTracker()
    /// "Call-ID CSeq" -> PAI URIs a UE supplied to a P-CSCF (bounded).
    private var uePAI: [String: [String]] = [:]
    private struct Pending { var m: CapturedMessage; var terminating: Bool }
    private var pendingIdentity: [Pending] = []
    private var terminatingInvites = 0

    public init(file: String, options: AuditOptions = AuditOptions()) {
        self.options = options
        report = AuditReport(file: file)
        dialogs.maxDetails = options.maxListed
    }

    /// Reads the whole capture and returns the report. A capture that cannot be opened
    /// throws; one that breaks off (e.g. a truncated last record) gives a partial report with
    /// `captureError` set and a failed `capture-readable` check.
    public static func audit(path: String, options: AuditOptions = AuditOptions()) async throws(CaptureError) -> AuditReport {
        let reader = try SIPCaptureReader(path: path, options: options.reader)
        let auditor = CaptureAuditor(file: path, options: options)
        var failure: CaptureError?
        do {
            while let e = try reader.next() { auditor.consume(e) }
        } catch {
            failure = error
        }
        return await auditor.finish(statistics: reader.statistics, captureError: failure)
    }

    public func consume(_ event: CaptureEvent) {
        switch event {
        case .finding(let f):
            report.findingCounts[f.kind, default: 0] += 1
            if report.findings.count < options.maxListed { report.findings.append(f) }
        case .message(let m):
            message(m)
        }
    }

    private func violate(_ check: String, _ packet: Int, _ text: String) {
        report.violationCounts[check, default: 0] += 1
        if report.violations.count < options.maxListed { report.violations.append(AuditViolation(check: check, packet: packet, message: text)) }
    }

    private func message(_ m: CapturedMessage) {
        let msg = m.message
        if let method = msg.method {
            report.requests[method, default: 0] += 1
        } else if let status = msg.statusCode {
            report.responses[status, default: 0] += 1
        }
        dialogs.add(m)
        let hasIdentity = msg.isRequest && msg.contains(.identity)
        var terminating = false
        if let roles = options.roles {
            rolesChecks(m, roles, terminating: &terminating)
        }
        if hasIdentity || terminating {
            if pendingIdentity.count < options.maxIdentityChecks {
                pendingIdentity.append(Pending(m: m, terminating: terminating))
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
        dialogs.finish()
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
