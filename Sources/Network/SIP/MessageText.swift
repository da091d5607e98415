import SIPCore

/// Builds a message as bytes and parses it once: SIPMessage is always a parse of real bytes.
/// Lines go straight into one buffer (no per-line Strings to join).
struct MessageText {
    private var bytes: [UInt8] = []

    init(startLine: String) {
        bytes.reserveCapacity(768)
        Self.append(startLine, to: &bytes)
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    mutating func add(_ name: String, _ value: String) {
        Self.append(name, to: &bytes)
        bytes.append(0x3A)
        bytes.append(0x20)
        Self.append(value, to: &bytes)
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    mutating func add(_ name: String, _ value: String?) { if let value { add(name, value) } }

    /// Copies every field of `header` from `message` as `name: value` lines.
    mutating func copy(_ header: KnownHeader, as name: String, from message: SIPMessage) {
        message.appendFields(header, as: name, to: &bytes)
    }

    /// `add(name, message.value(header) ?? "")` without the String: the first field, or an
    /// empty value when there is none.
    mutating func copyFirst(_ header: KnownHeader, as name: String, from message: SIPMessage) {
        if message.appendFields(header, as: name, to: &bytes, firstOnly: true) == 0 { add(name, "") }
    }

    /// Parses the text; a builder bug must not crash a run, so failure is an Optional.
    func message(body: String = "", contentType: String? = nil) -> SIPMessage? {
        var out = bytes
        let count = body.utf8.count
        if count > 0, let contentType {
            Self.append("Content-Type: ", to: &out)
            Self.append(contentType, to: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        Self.append("Content-Length: ", to: &out)
        Self.append(String(count), to: &out)
        out.append(0x0D)
        out.append(0x0A)
        out.append(0x0D)
        out.append(0x0A)
        Self.append(body, to: &out)
        return try? SIPMessage(parsing: out)
    }

    @inline(__always)
    private static func append(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }

    /// A response to `request` (§8.2.6): Via, From, To (with `toTag` added when missing),
    /// Call-ID and CSeq copied; Record-Route copied for dialog-creating responses.
    /// `to` replaces the To value (a UAS answering in its dialog).
    static func response(to request: SIPMessage, status: Int, reason: String, toTag: String?,
                         extra: [(String, String)] = [], body: String = "", contentType: String? = nil,
                         to toValue: String? = nil) -> SIPMessage? {
        var t = MessageText(startLine: "SIP/2.0 \(status) \(reason)")
        t.copy(.via, as: "Via", from: request)
        t.copyFirst(.from, as: "From", from: request)
        if let toValue {
            t.add("To", toValue)
        } else if let toTag, status > 100, request.addressValue(.to)?.tag == nil {
            t.add("To", (request.value(.to) ?? "") + ";tag=\(toTag)")
        } else {
            t.copyFirst(.to, as: "To", from: request)
        }
        t.copyFirst(.callID, as: "Call-ID", from: request)
        t.copyFirst(.cseq, as: "CSeq", from: request)
        if (101..<300).contains(status), request.method == "INVITE" {
            t.copy(.recordRoute, as: "Record-Route", from: request)
        }
        for (n, v) in extra { t.add(n, v) }
        return t.message(body: body, contentType: contentType)
    }
}
