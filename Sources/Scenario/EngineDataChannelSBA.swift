import Network
import Reports

/// Engine side of the data channel (KI#2) and SBI (KI#3) steps and assertions.
extension EvalContext {
    static func offer(_ d: DataChannelDef) -> DataChannelOffer {
        DataChannelOffer(bootstrap: d.bootstrap, remoteBootstrap: d.remoteBootstrap, apps: d.apps,
                         fingerprint: d.fingerprint ?? DataChannelOffer.defaultFingerprint)
    }

    mutating func performSBA(_ s: SBARequestStep) throws {
        guard let token = SBATokenChoice(rawValue: s.token) else {
            throw ScenarioEngine.StepError(description: "unknown token '\(s.token)'")
        }
        let cert: SBAClientCertificate = switch s.tlsIdentity {
        case "own": .own
        case "none": .none
        default: .identity(s.tlsIdentity)
        }
        sbaIDs[s.id] = try net.sbaRequest(from: s.from, to: s.to, token: token, certificate: cert, service: s.service)
        net.runUntilIdle()
    }

    func evaluateDataChannel(_ r: inout AssertionResult, at: String, app: String?, stream: Int?, active: Int) {
        guard let e = net.trace.last(where: { $0.kind == .delivered && $0.to == at && $0.summary.hasPrefix("INVITE ") }) else {
            if active != 0 {
                r.passed = false
                r.message = "no INVITE reached \(at); expected \(active) active data channel m-line(s)"
            }
            return
        }
        let lines = e.dataChannelMedia.filter { m in
            m.port != 0 && (app.map { m.requestedApps.contains($0) } ?? true)
                && (stream.map { s in m.dataChannels.contains { $0.streamID == s } } ?? true)
        }
        guard lines.count != active else { return }
        r.passed = false
        let what = [app.map { "app \($0)" }, stream.map { "dcmap \($0)" }].compactMap { $0 }.joined(separator: ", ")
        r.message = "\(lines.count) active data channel m-line(s)\(what.isEmpty ? "" : " (\(what))") in the INVITE at \(at), expected \(active)"
        r.eventSeq = e.seq
        let text = String(decoding: e.bytes, as: UTF8.self).components(separatedBy: "\r\n")
        let excerpt = [text.first ?? ""] + text.filter { $0.hasPrefix("m=application") || $0.hasPrefix("a=dcmap") || $0.hasPrefix("a=3gpp-req-app") }
        r.evidence = Evidence(time: ReportFormat.virtualTime(ms: Double(e.timeMs)), hop: "\(e.from) -> \(e.to)", excerpt: excerpt.joined(separator: "\n"))
    }

    // Swift 6.3's optimiser crashes on this function in release builds (ownership verification
    // in CopyPropagation: "Found outside of lifetime use"); it is not hot, so it is not optimised.
    @_optimize(none)
    func evaluateSBA(_ r: inout AssertionResult, request: String, status: Int?, error: String?, tlsFailure: Bool?) {
        guard let id = sbaIDs[request], let x = net.sbaExchange(id) else {
            r.passed = false
            r.message = "sba_request '\(request)' did not run"
            return
        }
        var problems: [String] = []
        let got = x.status
        if let status, got != status { problems.append("status is \(got.map(String.init) ?? "none (\(x.tlsFailure ?? "no response"))"), expected \(status)") }
        if let error, x.verdict?.error != error { problems.append("error is \(x.verdict?.error ?? "none"), expected \(error)") }
        if let tlsFailure, (x.tlsFailure != nil) != tlsFailure { problems.append(tlsFailure ? "TLS handshake succeeded, expected a failure" : "TLS handshake failed: \(x.tlsFailure ?? "")") }
        guard !problems.isEmpty else { return }
        r.passed = false
        r.message = "sba_request '\(request)' \(x.from) -> \(x.to): " + problems.joined(separator: "; ") + (x.verdict.map { " (producer: \($0))" } ?? "")
        if let e = net.trace.last(where: { $0.isHTTP2 && $0.note.hasPrefix("HTTP2 \(id) ") }) {
            r.eventSeq = e.seq
            r.evidence = Evidence(time: ReportFormat.virtualTime(ms: Double(e.timeMs)), hop: "\(e.from) -> \(e.to)",
                                  excerpt: String(decoding: e.bytes, as: UTF8.self).components(separatedBy: "\r\n").prefix(3).joined(separator: "\n"))
        }
    }
}
