import Capture
import Network
import SIPCore

/// Runs `replay: {capture: ...}`: reads the capture through `SIPCaptureReader` (libpcap,
/// IP and TCP reassembly), picks the matching messages, applies the rewrites and injects
/// each from `from` towards `to` over their link, bypassing the sender's transaction layer.
extension EvalContext {
    func replay(_ r: CaptureReplayStep, at location: SourceLocation) throws {
        let picked = try Self.pick(r)
        let transport = c.network.links.first { Set([$0.a, $0.b]) == Set([r.from, r.to]) }?.transport.uppercased() ?? "UDP"
        for (k, captured) in picked.enumerated() {
            var m = captured.message
            if let u = r.rewrite.requestURI {
                guard m.isRequest else { throw fail(r, "rewrite.request_uri on a response (packet \(captured.packet))") }
                m.setRequestLine(uri: try resolve(u))
            }
            if r.rewrite.via {
                guard let a = net.address(of: r.from) else { throw fail(r, "actor \(r.from) has no address") }
                // Seeded like every other branch: same scenario seed, same bytes.
                let branch = fnv1a("\(net.seed)/\(location)/\(net.nowMs)/\(k)")
                m.setHeader("Via", "SIP/2.0/\(transport) \(a.uriHost):\(a.port);branch=z9hG4bK\(String(branch, radix: 16))")
            }
            for h in r.rewrite.headers { m.setHeader(h.name, try resolve(h.value)) }
            do {
                try net.send(from: r.from, to: r.to, bytes: m.bytes, note: "replayed from \(r.capture) packet \(captured.packet)")
            } catch {
                throw fail(r, "\(error)")
            }
        }
    }

    private func fail(_ r: CaptureReplayStep, _ what: String) -> ScenarioEngine.StepError {
        ScenarioEngine.StepError(description: "capture \(r.capture): \(what)")
    }

    /// The messages the step selects, in capture order. A capture that cannot be read (or is
    /// cut short) or a selection that finds nothing is an error naming the file and why.
    static func pick(_ r: CaptureReplayStep) throws -> [CapturedMessage] {
        func fail(_ what: String) -> ScenarioEngine.StepError { ScenarioEngine.StepError(description: "capture \(r.capture): \(what)") }
        let src = r.filter.src.flatMap { Decoder.addressFilter($0) }
        let dst = r.filter.dst.flatMap { Decoder.addressFilter($0) }
        func at(_ e: Capture.Endpoint, _ want: (IPAddress, UInt16?)?) -> Bool {
            guard let want else { return true }
            return e.address == want.0 && (want.1 == nil || want.1 == e.port)
        }
        var matches: [CapturedMessage] = []
        var seen = 0
        var methods: [String: Int] = [:]
        do {
            let reader = try SIPCaptureReader(path: r.path)
            try reader.forEach { event in
                guard case .message(let cm) = event else { return }
                seen += 1
                let m = cm.message
                methods[m.method ?? m.statusCode.map(String.init) ?? "?", default: 0] += 1
                if let x = r.filter.method, m.method != x { return }
                if let x = r.filter.status, m.statusCode != x { return }
                if let x = r.filter.callID, m.value("Call-ID") != x { return }
                if let x = r.filter.header, !m.contains(x) { return }
                guard at(cm.src, src), at(cm.dst, dst) else { return }
                matches.append(cm)
            }
        } catch let e as CaptureError {
            throw fail("\(e.causeText) at offset \(e.offset)" + (e.detail.isEmpty ? "" : " (\(e.detail))"))
        }
        let inventory = methods.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
        guard !matches.isEmpty else {
            throw fail("no SIP message matches \(r.filter) (\(seen) SIP message(s) in the file" + (inventory.isEmpty ? ")" : ": \(inventory))"))
        }
        guard let i = r.index else { return matches }
        guard i <= matches.count else {
            throw fail("index \(i), but only \(matches.count) message(s) match \(r.filter)")
        }
        return [matches[i - 1]]
    }
}
