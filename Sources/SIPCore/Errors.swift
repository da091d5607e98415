/// Why a message was rejected: the rule it broke, and where.
public struct SIPParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rule broken, in words (for example "Content-Length larger than the message").
    public var rule: String
    /// Byte offset into the input where the defect was found.
    public var offset: Int
    /// 1-based line number of `offset`.
    public var line: Int
    /// The header field involved, if any (canonical name).
    public var header: String?

    public init(rule: String, offset: Int, line: Int, header: String? = nil) {
        self.rule = rule
        self.offset = offset
        self.line = line
        self.header = header
    }

    public var description: String { "\(rule) at line \(line)" }
}

/// A syntax error inside one header value; `offset` is relative to the value's first byte.
public struct HeaderSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var rule: String
    public var offset: Int

    public init(_ rule: String, at offset: Int = 0) {
        self.rule = rule
        self.offset = offset
    }

    public var description: String { rule }
}

/// A semantic problem in a well-formed message: it parses, but an element should act on it.
public struct Finding: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case info, warning }
    public var severity: Severity
    public var message: String
    public var header: String?

    public init(_ severity: Severity, _ message: String, header: String? = nil) {
        self.severity = severity
        self.message = message
        self.header = header
    }

    public var description: String { message }
}
