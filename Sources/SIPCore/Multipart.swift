/// A `multipart/*` body (RFC 2046 §5.1) as SIP carries it, e.g. SDP plus a binary part.
/// Part bodies are binary-safe: only CRLF "--" boundary ends one.
public struct MultipartBody: Sendable {
    /// Caps work done on a hostile body.
    public static let maxParts = 1000

    public struct Part: Sendable {
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
            self.headers = headers
            self.body = body
        }

        /// First header called `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveEquals(name) }?.value
        }

        /// `Content-Type` (or compact `c`); setting replaces the first one, or appends one.
        public var contentType: String? {
            get { headers.first { Self.isContentType($0.name) }?.value }
            set {
                if let i = headers.firstIndex(where: { Self.isContentType($0.name) }) {
                    if let v = newValue { headers[i].value = v } else { headers.remove(at: i) }
                } else if let v = newValue {
                    headers.append((name: "Content-Type", value: v))
                }
            }
        }

        private static func isContentType(_ n: String) -> Bool {
            n.caseInsensitiveEquals("Content-Type") || n.caseInsensitiveEquals("c")
        }
    }

    public var boundary: String
    public var parts: [Part]

    public init(boundary: String, parts: [Part] = []) {
        self.boundary = boundary
        self.parts = parts
    }

    public init(parsing body: [UInt8], boundary: String) throws(MultipartError) {
        let dash = Array(("--" + boundary).utf8)
        guard dash.count > 2, dash.count <= 72 else {
            throw MultipartError("boundary must be 1 to 70 characters", offset: 0)
        }
        self.boundary = boundary
        self.parts = []

        // The first delimiter may open the body without a CRLF before it; text before it is preamble.
        let open: Delimiter
        if let d = try Self.delimiter(in: body, at: 0, dash: dash) {
            open = d
        } else if let d = try Self.nextDelimiter(in: body, from: 0, dash: dash) {
            open = d
        } else {
            throw MultipartError("no opening boundary", offset: 0)
        }
        guard !open.isClose else { throw MultipartError("multipart body has no parts", offset: open.start) }

        var contentStart = open.end
        while true {
            guard let next = try Self.nextDelimiter(in: body, from: contentStart, dash: dash) else {
                throw MultipartError("missing closing boundary", offset: body.count)
            }
            guard parts.count < Self.maxParts else {
                throw MultipartError("more than \(Self.maxParts) parts", offset: contentStart)
            }
            parts.append(try Self.part(body, contentStart..<next.start))
            if next.isClose { break } // the rest is epilogue
            contentStart = next.end
        }
    }

    /// Canonical form: CRLF line endings, no preamble, closing delimiter followed by CRLF.
    public var serialized: [UInt8] {
        var out: [UInt8] = []
        let dash = Array(("--" + boundary).utf8)
        for p in parts {
            out += dash
            out += [ASCII.cr, ASCII.lf]
            for h in p.headers {
                out += Array("\(h.name): \(h.value)\r\n".utf8)
            }
            out += [ASCII.cr, ASCII.lf]
            out += p.body
            out += [ASCII.cr, ASCII.lf]
        }
        out += dash
        out += Array("--\r\n".utf8)
        return out
    }

    /// The `boundary` parameter of a `multipart/*` Content-Type, unquoted; nil if absent
    /// or the type is not multipart.
    public static func boundary(fromContentType value: String) -> String? {
        let b = Array(value.utf8)
        var i = 0
        while i < b.count, ByteClass.isSpace(b[i]) { i += 1 }
        let typeStart = i
        while i < b.count, b[i] != ASCII.slash, b[i] != ASCII.semicolon { i += 1 }
        guard String(decoding: b[typeStart..<i], as: UTF8.self).trimmingSpaces.caseInsensitiveEquals("multipart") else {
            return nil
        }
        // Walk `;name=value` pieces, stepping over quoted strings (they may hold ';').
        while i < b.count {
            guard b[i] == ASCII.semicolon else { i += 1; continue }
            i += 1
            let nameStart = i
            while i < b.count, b[i] != ASCII.equals, b[i] != ASCII.semicolon { i += 1 }
            let name = String(decoding: b[nameStart..<i], as: UTF8.self).trimmingSpaces
            guard i < b.count, b[i] == ASCII.equals else { continue }
            i += 1
            while i < b.count, ByteClass.isSpace(b[i]) { i += 1 }
            var v: [UInt8] = []
            let quoted = i < b.count && b[i] == ASCII.quote
            if quoted {
                i += 1
                var closed = false
                while i < b.count {
                    if b[i] == ASCII.quote { closed = true; i += 1; break }
                    if b[i] == ASCII.backslash, i + 1 < b.count { i += 1 }
                    v.append(b[i])
                    i += 1
                }
                if !closed { return nil }
            } else {
                while i < b.count, b[i] != ASCII.semicolon { v.append(b[i]); i += 1 }
            }
            if name.caseInsensitiveEquals("boundary") {
                // A quoted value is taken as is; an unquoted one loses surrounding blanks.
                let s = quoted ? String(decoding: v, as: UTF8.self) : String(decoding: v, as: UTF8.self).trimmingSpaces
                return s.isEmpty ? nil : s
            }
        }
        return nil
    }

    // MARK: Parsing helpers

    struct Delimiter {
        var start: Int   // where the delimiter (including its leading CRLF, if any) begins
        var end: Int     // just past the delimiter line
        var isClose: Bool
    }

    /// The delimiter whose "--boundary" starts at `at`, or nil if there is none there.
    /// RFC 2046 matches on the line prefix, so "--boundary" followed by junk is an error, not data.
    private static func delimiter(in b: [UInt8], at: Int, dash: [UInt8]) throws(MultipartError) -> Delimiter? {
        guard at >= 0, at + dash.count <= b.count, b[at..<(at + dash.count)].elementsEqual(dash) else { return nil }
        var i = at + dash.count
        if i + 1 < b.count, b[i] == 0x2D, b[i + 1] == 0x2D {
            return Delimiter(start: at, end: i + 2, isClose: true)
        }
        while i < b.count, ByteClass.isSpace(b[i]) { i += 1 } // transport padding
        guard i + 1 < b.count, b[i] == ASCII.cr, b[i + 1] == ASCII.lf else {
            throw MultipartError("boundary line not followed by CRLF", offset: at)
        }
        return Delimiter(start: at, end: i + 2, isClose: false)
    }

    /// The next CRLF "--boundary" at or after `from`.
    private static func nextDelimiter(in b: [UInt8], from: Int, dash: [UInt8]) throws(MultipartError) -> Delimiter? {
        var i = from
        while i + 1 + dash.count <= b.count {
            if b[i] == ASCII.cr, b[i + 1] == ASCII.lf, var d = try delimiter(in: b, at: i + 2, dash: dash) {
                d.start = i
                return d
            }
            i += 1
        }
        return nil
    }

    /// Headers up to the first empty line, then the body. Header lines may end in CRLF or LF;
    /// the body is taken as is.
    private static func part(_ b: [UInt8], _ r: Range<Int>) throws(MultipartError) -> Part {
        var p = Part()
        guard !r.isEmpty else { return p } // RFC 2046 allows an empty body part
        var i = r.lowerBound
        while true {
            guard let lf = b[i..<r.upperBound].firstIndex(of: ASCII.lf) else {
                throw MultipartError("part headers not terminated", offset: i)
            }
            var lineEnd = lf
            if lineEnd > i, b[lineEnd - 1] == ASCII.cr { lineEnd -= 1 }
            let lineStart = i
            i = lf + 1
            if lineEnd == lineStart { break }
            if ByteClass.isSpace(b[lineStart]) {
                // Folded continuation of the previous header.
                guard !p.headers.isEmpty else {
                    throw MultipartError("part header continuation without a header", offset: lineStart)
                }
                let more = String(decoding: b[lineStart..<lineEnd], as: UTF8.self).trimmingSpaces
                p.headers[p.headers.count - 1].value += " " + more
                continue
            }
            guard let colon = b[lineStart..<lineEnd].firstIndex(of: ASCII.colon) else {
                throw MultipartError("part header line has no ':'", offset: lineStart)
            }
            let name = String(decoding: b[lineStart..<colon], as: UTF8.self).trimmingSpaces
            guard !name.isEmpty, name.utf8.allSatisfy(ByteClass.isToken) else {
                throw MultipartError("malformed part header name", offset: lineStart)
            }
            let value = String(decoding: b[(colon + 1)..<lineEnd], as: UTF8.self).trimmingSpaces
            p.headers.append((name: name, value: value))
        }
        p.body = Array(b[i..<r.upperBound])
        return p
    }
}

/// Why a multipart body was rejected; `offset` is a byte offset into the body.
public struct MultipartError: Error, Hashable, Sendable, CustomStringConvertible {
    public var rule: String
    public var offset: Int

    public init(_ rule: String, offset: Int) {
        self.rule = rule
        self.offset = offset
    }

    public var description: String { "\(rule) at offset \(offset)" }
}

extension String {
    /// Without leading and trailing SP/HTAB.
    fileprivate var trimmingSpaces: String {
        let u = Array(utf8)
        var lo = 0, hi = u.count
        while lo < hi, ByteClass.isSpace(u[lo]) { lo += 1 }
        while hi > lo, ByteClass.isSpace(u[hi - 1]) { hi -= 1 }
        return String(decoding: u[lo..<hi], as: UTF8.self)
    }
}
