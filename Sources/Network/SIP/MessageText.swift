import SIPCore

/// Builds messages as text and parses them once: SIPMessage is always a parse of real bytes.
struct MessageText {
    private var lines: [String] = []

    init(startLine: String) { lines.append(startLine) }

    mutating func add(_ name: String, _ value: String) { lines.append("\(name): \(value)") }
    mutating func add(_ name: String, _ value: String?) { if let value { lines.append("\(name): \(value)") } }

    /// Parses the text; a builder bug must not crash a run, so failure is an Optional.
    func message(body: String = "", contentType: String? = nil) -> SIPMessage? {
        var text = lines.joined(separator: "\r\n") + "\r\n"
        if !body.isEmpty, let contentType { text += "Content-Type: \(contentType)\r\n" }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        return try? SIPMessage(parsing: text)
    }

    /// A response to `request` (§8.2.6): Via, From, To (with `toTag` added when missing),
    /// Call-ID and CSeq copied; Record-Route copied for dialog-creating responses.
    static func response(to request: SIPMessage, status: Int, reason: String, toTag: String?,
                         extra: [(String, String)] = [], body: String = "", contentType: String? = nil) -> SIPMessage? {
        var t = MessageText(startLine: "SIP/2.0 \(status) \(reason)")
        for v in request.values(.via) { t.add("Via", v) }
        t.add("From", request.value(.from) ?? "")
        var to = request.value(.to) ?? ""
        if let toTag, status > 100, (try? AddressValue(parsing: to))?.tag == nil { to += ";tag=\(toTag)" }
        t.add("To", to)
        t.add("Call-ID", request.value(.callID) ?? "")
        t.add("CSeq", request.value(.cseq) ?? "")
        if request.method == "INVITE", (101..<300).contains(status) {
            for rr in request.values(.recordRoute) { t.add("Record-Route", rr) }
        }
        for (n, v) in extra { t.add(n, v) }
        return t.message(body: body, contentType: contentType)
    }
}
