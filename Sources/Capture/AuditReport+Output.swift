import Identity

extension AuditReport {
    /// The JSON summary (keys sorted when written with `canonicalString`; the large arrays'
    /// objects are built in key order, which spares the writer sorting them).
    public var json: JSONValue {
        func int(_ v: Int) -> JSONValue { .integer(Int64(v)) }
        func str(_ v: String?) -> JSONValue { v.map(JSONValue.string) ?? .null }
        let requestsJSON = JSONValue.objectMembers(requests.sorted { $0.key < $1.key }.map { JSONMember($0.key, int($0.value)) })
        let responsesJSON = JSONValue.objectMembers(responses.sorted { $0.key < $1.key }.map { JSONMember(String($0.key), int($0.value)) })
        let dialogJSON = JSONValue.array(dialogDetails.map { d in
            .object(["call_id": .string(d.callID), "dialogs": .array(d.dialogs.map(JSONValue.string)),
                     "first_packet": int(d.firstPacket), "last_packet": int(d.lastPacket), "messages": int(d.messages),
                     "method": .string(d.firstMethod), "state": .string(d.state)])
        })
        let identityJSON = JSONValue.array(identity.map { e in
            .object(["call_id": .string(e.callID), "detail": .string(e.detail), "dst": .string(e.dst.description),
                     "index": int(e.index), "method": .string(e.method), "packet": int(e.packet), "policy": str(e.policy),
                     "sip_status": e.sipStatus.map { int($0) } ?? .null, "src": .string(e.src.description),
                     "time": .string(Self.timeText(e.time)), "verdict": .string(e.verdict), "verstat": str(e.verstat)])
        })
        let findingsJSON = JSONValue.array(findings.map { f in
            .object(["kind": .string(f.kind.rawValue), "message": .string(f.message), "packet": int(f.packet)])
        })
        let findingCountsJSON = JSONValue.objectMembers(findingCounts.sorted { $0.key.rawValue < $1.key.rawValue }
            .map { JSONMember($0.key.rawValue, int($0.value)) })
        let violationsJSON = JSONValue.array(violations.map { v in
            .object(["check": .string(v.check), "message": .string(v.message), "packet": int(v.packet)])
        })
        let checksJSON = JSONValue.array(checks.map { c in
            .object(["message": .string(c.message), "name": .string(c.name), "status": .string(c.status.rawValue)])
        })
        let s = statistics
        let statsJSON = JSONValue.object([
            "packets": int(s.packets), "udp_datagrams": int(s.udpDatagrams), "tcp_segments": int(s.tcpSegments),
            "non_sip_datagrams": int(s.nonSIPDatagrams), "other_packets": int(s.otherPackets),
            "reassembled_datagrams": int(s.reassembledDatagrams), "retransmitted_segments": int(s.retransmittedSegments),
            "tcp_gaps": int(s.tcpGaps), "tcp_gap_bytes": int(s.tcpGapBytes), "evicted_flows": int(s.evictedFlows),
        ])
        return .object([
            "file": .string(file),
            "passed": .bool(passed),
            "sip_messages": int(sipMessages),
            "requests": requestsJSON,
            "responses": responsesJSON,
            "dialogs": int(dialogs),
            "call_ids": int(callIDs),
            "dialog_details": dialogJSON,
            "dialog_details_truncated": .bool(dialogDetailsTruncated),
            "malformed": int(malformedCount),
            "finding_counts": findingCountsJSON,
            "findings": findingsJSON,
            "identity": identityJSON,
            "identity_truncated": .bool(identityTruncated),
            "violations": violationsJSON,
            "checks": checksJSON,
            "capture_error": str(captureError?.description),
            "statistics": statsJSON,
        ])
    }

    static func timeText(_ ns: Int64) -> String {
        let s = ns >= 0 ? ns / 1_000_000_000 : (ns + 1) / 1_000_000_000 - 1
        let frac = ns - s * 1_000_000_000
        let f = String(frac)
        return "\(s)." + String(repeating: "0", count: 9 - f.count) + f
    }

    /// JUnit XML: one test case per check; violations and findings as failure text.
    public var junitXML: String {
        func esc(_ s: String) -> String {
            var o = ""
            for u in s.unicodeScalars {
                switch u {
                case "&": o += "&amp;"
                case "<": o += "&lt;"
                case ">": o += "&gt;"
                case "\"": o += "&quot;"
                default:
                    // XML 1.0 cannot carry most control characters, even escaped.
                    if u.value < 0x20 && u != "\n" && u != "\t" && u != "\r" { o += "?" } else { o.unicodeScalars.append(u) }
                }
            }
            return o
        }
        let failures = checks.filter { $0.status == .failed }.count
        let skipped = checks.filter { $0.status == .skipped }.count
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<testsuites tests=\"\(checks.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">\n"
        x += "  <testsuite name=\"audit \(esc(file))\" tests=\"\(checks.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">\n"
        for c in checks {
            x += "    <testcase classname=\"audit\" name=\"\(esc(c.name))\">"
            switch c.status {
            case .passed: break
            case .skipped: x += "<skipped message=\"\(esc(c.message))\"/>"
            case .failed:
                var detail = violations.filter { $0.check == c.name }.map { "packet \($0.packet): \($0.message)" }
                if c.name == "well-formed-sip" { detail = findings.filter { $0.kind == .malformedSIP }.map(\.description) }
                if c.name == "identity-verifies" {
                    detail = identity.filter { $0.verdict == "invalid" || $0.verdict == "undecodable" }
                        .map { "packet \($0.packet) Identity[\($0.index)]: \($0.detail)" }
                }
                x += "<failure message=\"\(esc(c.message))\">\(esc(detail.joined(separator: "\n")))</failure>"
            }
            x += "</testcase>\n"
        }
        x += "  </testsuite>\n</testsuites>\n"
        return x
    }

    /// Lines for people.
    public var text: String {
        var lines: [String] = []
        lines.append("\(file): \(statistics.packets) packets, \(sipMessages) SIP messages, \(dialogs) dialogs (\(callIDs) Call-IDs), \(malformedCount) malformed")
        if !requests.isEmpty {
            lines.append("requests: " + requests.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !responses.isEmpty {
            lines.append("responses: " + responses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        for f in findings.prefix(20) { lines.append("finding: \(f)") }
        if findings.count > 20 { lines.append("... \(findings.count - 20) more findings (see --json)") }
        for e in identity.prefix(20) {
            lines.append("identity: packet \(e.packet) \(e.method) \(e.src) -> \(e.dst) [\(e.index)]: \(e.verdict): \(e.detail)")
        }
        for v in violations.prefix(20) { lines.append("violation: \(v.check): packet \(v.packet): \(v.message)") }
        for c in checks { lines.append("\(c.status.rawValue.uppercased()) \(c.name): \(c.message)") }
        return lines.joined(separator: "\n")
    }
}

extension JSONValue {
    static func objectMembers(_ m: [JSONMember]) -> JSONValue { .object(m) }
}
