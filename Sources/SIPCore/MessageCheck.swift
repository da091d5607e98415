import Foundation

/// The verdict on one file or datagram, as `ims-harness parse` prints it.
public struct MessageCheck: Codable, Sendable, Hashable {
    public var file: String
    public var valid: Bool
    /// Why the message was rejected (the rule broken).
    public var reason: String?
    /// 1-based line of the defect.
    public var line: Int?
    /// Byte offset of the defect.
    public var offset: Int?
    /// "request" or "response", when the start line could be read.
    public var kind: String?
    public var method: String?
    public var status: Int?
    public var uri: String?
    public var findings: [String]
    /// Reason phrase of a response (human output only).
    var reasonPhrase: String?

    enum CodingKeys: String, CodingKey { case file, valid, reason, line, offset, kind, method, status, uri, findings }

    public init(file: String, valid: Bool, reason: String? = nil, line: Int? = nil, offset: Int? = nil,
                kind: String? = nil, method: String? = nil, status: Int? = nil, uri: String? = nil, findings: [String] = []) {
        self.file = file
        self.valid = valid
        self.reason = reason
        self.line = line
        self.offset = offset
        self.kind = kind
        self.method = method
        self.status = status
        self.uri = uri
        self.findings = findings
    }

    /// Parses strictly (every header typed) and collects findings.
    public static func check(_ bytes: [UInt8], file: String, limits: ParseLimits = .default) -> MessageCheck {
        let message: SIPMessage
        do { message = try SIPMessage(parsing: bytes, limits: limits) } catch {
            var out = MessageCheck(file: file, valid: false, reason: error.rule, line: error.line, offset: error.offset)
            if let start = MessageParser.sniffStartLine(bytes) {
                out.kind = start.isRequest ? SIPMessage.Kind.request.rawValue : SIPMessage.Kind.response.rawValue
                out.method = start.method
                out.uri = start.uri
                out.status = start.status
            }
            return out
        }
        var out = MessageCheck(file: file, valid: true, kind: message.kind.rawValue, method: message.method,
                               status: message.statusCode, uri: message.requestURIText)
        out.reasonPhrase = message.reasonPhrase
        do { _ = try message.validate() } catch {
            out.valid = false
            out.reason = error.rule
            out.line = error.line
            out.offset = error.offset
            return out
        }
        out.findings = message.findings().map(\.message)
        return out
    }

    /// A file that could not be read at all.
    public static func unreadable(_ file: String, _ why: String) -> MessageCheck {
        MessageCheck(file: file, valid: false, reason: "cannot read file: \(why)")
    }

    /// `FILE: valid (INVITE sip:...)` or `FILE: invalid: <reason> at line L`, then one
    /// indented line per finding.
    public var humanText: String {
        var s: String
        if valid {
            let what = kind == "request" ? "\(method ?? "") \(uri ?? "")" : "\(status.map(String.init) ?? "") \(reasonPhrase ?? "")"
            s = "\(file): valid (\(what))"
        } else {
            s = "\(file): invalid: \(reason ?? "unknown defect")"
            if let line { s += " at line \(line)" }
        }
        for f in findings { s += "\n  finding: \(f)" }
        return s
    }

    /// One JSON object on one line, keys sorted.
    public var jsonLine: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? enc.encode(self) else { return "{\"file\":\(quoteString(file)),\"valid\":false}" }
        return String(decoding: data, as: UTF8.self)
    }
}
