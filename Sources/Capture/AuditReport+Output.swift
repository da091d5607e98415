import Identity

extension AuditReport {
    /// The JSON summary, canonical (keys sorted, no whitespace), written straight to bytes.
    /// Every object below is written in key order, as `JSONWriter` requires.
    public var jsonBytes: [UInt8] {
        var w = JSONWriter(reservingCapacity: 1024 + 200 * dialogDetails.count + 400 * identity.count)
        w.object { w in
            w.key("call_ids"); w.integer(callIDs)
            w.key("capture_error"); w.string(captureError?.description)
            w.key("checks"); w.array(checks) { w, c in
                w.object { w in
                    w.key("message"); w.string(c.message)
                    w.key("name"); w.string(c.name)
                    w.key("status"); w.string(c.status.rawValue)
                }
            }
            w.key("dialog_details"); w.array(dialogDetails) { w, d in
                w.object { w in
                    w.key("call_id"); w.string(d.callID)
                    w.key("dialogs"); w.array(d.dialogs) { w, pair in w.string(pair) }
                    w.key("first_packet"); w.integer(d.firstPacket)
                    w.key("last_packet"); w.integer(d.lastPacket)
                    w.key("messages"); w.integer(d.messages)
                    w.key("method"); w.string(d.firstMethod)
                    w.key("state"); w.string(d.state)
                }
            }
            w.key("dialog_details_truncated"); w.bool(dialogDetailsTruncated)
            w.key("dialogs"); w.integer(dialogs)
            w.key("file"); w.string(file)
            w.key("finding_counts"); w.object(sorting: findingCounts.map { ($0.key.rawValue, $0.value) }) { w, n in w.integer(n) }
            w.key("findings"); w.array(findings) { w, f in Self.write(&w, "kind", f.kind.rawValue, f.message, f.packet) }
            w.key("identity"); w.array(identity) { w, e in
                w.object { w in
                    w.key("call_id"); w.string(e.callID)
                    w.key("detail"); w.string(e.detail)
                    w.key("dst"); w.string(e.dst.description)
                    w.key("index"); w.integer(e.index)
                    w.key("method"); w.string(e.method)
                    w.key("packet"); w.integer(e.packet)
                    w.key("policy"); w.string(e.policy)
                    w.key("sip_status")
                    if let status = e.sipStatus { w.integer(status) } else { w.value(.null) }
                    w.key("src"); w.string(e.src.description)
                    w.key("time"); w.string(Self.timeText(e.time))
                    w.key("verdict"); w.string(e.verdict)
                    w.key("verstat"); w.string(e.verstat)
                }
            }
            w.key("identity_truncated"); w.bool(identityTruncated)
            w.key("malformed"); w.integer(malformedCount)
            w.key("passed"); w.bool(passed)
            w.key("requests"); w.object(sorting: requests.map { ($0.key, $0.value) }) { w, n in w.integer(n) }
            w.key("responses"); w.object(sorting: responses.map { (String($0.key), $0.value) }) { w, n in w.integer(n) }
            w.key("sip_messages"); w.integer(sipMessages)
            let s = statistics
            w.key("statistics"); w.object { w in
                w.key("evicted_flows"); w.integer(s.evictedFlows)
                w.key("non_sip_datagrams"); w.integer(s.nonSIPDatagrams)
                w.key("other_packets"); w.integer(s.otherPackets)
                w.key("packets"); w.integer(s.packets)
                w.key("reassembled_datagrams"); w.integer(s.reassembledDatagrams)
                w.key("retransmitted_segments"); w.integer(s.retransmittedSegments)
                w.key("tcp_gap_bytes"); w.integer(s.tcpGapBytes)
                w.key("tcp_gaps"); w.integer(s.tcpGaps)
                w.key("tcp_segments"); w.integer(s.tcpSegments)
                w.key("udp_datagrams"); w.integer(s.udpDatagrams)
            }
            w.key("violations"); w.array(violations) { w, v in Self.write(&w, "check", v.check, v.message, v.packet) }
        }
        return w.bytes
    }

    /// A finding (`kind`) or a violation (`check`): `{label, message, packet}` (the label sorts first).
    private static func write(_ w: inout JSONWriter, _ label: StaticString, _ value: String, _ message: String, _ packet: Int) {
        w.object { w in
            w.key(label); w.string(value)
            w.key("message"); w.string(message)
            w.key("packet"); w.integer(packet)
        }
    }

    /// The same summary as a value (for callers that inspect it), read back from `jsonBytes`.
    public var json: JSONValue {
        (try? JSONValue.parse(jsonBytes, limits: JSONLimits(maxBytes: .max, maxDepth: 16))) ?? .null
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
