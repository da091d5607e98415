/// Session Description Protocol (RFC 8866), parsed just far enough for IMS scenarios
/// (audio, WebRTC/3GPP data channels, DTLS) while keeping every line's original text,
/// so an unmodified description re-serialises byte for byte.
public struct SDP: Sendable, Hashable, CustomStringConvertible {
    /// Input larger than this is refused, so a hostile peer cannot make us grow without bound.
    public static let maxBytes = 65_536
    public static let maxLines = 10_000

    /// Session-level lines in order, starting with `v=`, up to the first `m=`.
    public var lines: [SDPLine]
    public var media: [SDPMedia]
    /// Empty lines found after the last line (tolerated, kept for exact round trips).
    public var trailingBlankLines: String

    public init(lines: [SDPLine] = [SDPLine(type: "v", value: "0")], media: [SDPMedia] = []) {
        self.lines = lines
        self.media = media
        self.trailingBlankLines = ""
    }

    public init(parsing text: String) throws(SDPError) {
        try self.init(parsing: Array(text.utf8))
    }

    public init(parsing bytes: [UInt8]) throws(SDPError) {
        guard bytes.count <= SDP.maxBytes else {
            throw SDPError("SDP larger than \(SDP.maxBytes) bytes", line: 0)
        }
        var session: [SDPLine] = []
        var media: [SDPMedia] = []
        var trailer = ""
        var firstBlank: Int?
        var lineNo = 0
        var start = 0
        let n = bytes.count
        while start < n {
            var end = start
            while end < n, bytes[end] != ASCII.lf { end += 1 }
            let hasLF = end < n
            var textEnd = end
            var ending: SDPLine.Ending = hasLF ? .lf : .none
            if hasLF, textEnd > start, bytes[textEnd - 1] == ASCII.cr {
                textEnd -= 1
                ending = .crlf
            }
            let lineStart = start
            start = hasLF ? end + 1 : n
            lineNo += 1
            guard lineNo <= SDP.maxLines else {
                throw SDPError("SDP has more than \(SDP.maxLines) lines", line: lineNo)
            }

            if textEnd == lineStart {
                // RFC 8866 has no empty lines; some stacks append one, so allow them at the end only.
                if lineNo == 1 { throw SDPError("SDP must start with v=0", line: 1) }
                if firstBlank == nil { firstBlank = lineNo }
                trailer += ending.string
                continue
            }
            if let blank = firstBlank { throw SDPError("empty line inside SDP", line: blank) }

            let line = try SDPLine.parse(bytes, lineStart..<textEnd, ending: ending, line: lineNo)
            if lineNo == 1, line.type != "v" || line.value != "0" {
                throw SDPError("SDP must start with v=0", line: 1)
            }
            if line.type == "m" {
                media.append(try SDPMedia(mediaLine: line, line: lineNo))
            } else if media.isEmpty {
                session.append(line)
            } else {
                media[media.count - 1].lines.append(line)
            }
        }
        guard lineNo > 0 else { throw SDPError("SDP must start with v=0", line: 1) }
        self.lines = session
        self.media = media
        self.trailingBlankLines = trailer
    }

    /// The description as text: untouched lines exactly as received, edited or new ones as `x=value` CRLF.
    public var serialized: String {
        var out = ""
        var unterminated = false
        func emit(_ line: SDPLine) {
            // A line that ended the input without a terminator needs one once something follows it.
            if unterminated { out += "\r\n" }
            out += line.text
            out += line.ending.string
            unterminated = line.ending == .none
        }
        for l in lines { emit(l) }
        for m in media {
            emit(m.mediaLine)
            for l in m.lines { emit(l) }
        }
        if !trailingBlankLines.isEmpty {
            if unterminated { out += "\r\n" }
            out += trailingBlankLines
        }
        return out
    }

    public var serializedBytes: [UInt8] { Array(serialized.utf8) }

    public var description: String { serialized }

    // MARK: Session-level convenience

    /// `o=`; setting replaces the first `o=` line (or inserts one after `v=`), nil removes it.
    public var origin: SDPOrigin? {
        get { lines.first { $0.type == "o" }.flatMap { SDPOrigin(value: $0.value) } }
        set {
            if let i = lines.firstIndex(where: { $0.type == "o" }) {
                if let o = newValue { lines[i].value = o.value } else { lines.remove(at: i) }
            } else if let o = newValue {
                let at = lines.first?.type == "v" ? 1 : 0
                lines.insert(SDPLine(type: "o", value: o.value), at: at)
            }
        }
    }

    /// `s=`
    public var sessionName: String? { lines.first { $0.type == "s" }?.value }

    /// Session-level `c=` (media-level ones are on `SDPMedia`).
    public var connection: SDPConnection? {
        lines.first { $0.type == "c" }.flatMap { SDPConnection(value: $0.value) }
    }

    /// Values of session-level `a=name:value` lines; a flag attribute (`a=name`) yields "".
    public func attributes(_ name: String) -> [String] { lines.attributeValues(name) }
    public func hasAttribute(_ name: String) -> Bool { !lines.attributeValues(name).isEmpty }

    /// Session-level `a=fingerprint` lines that parse (RFC 8122).
    public var fingerprints: [SDPFingerprint] {
        attributes("fingerprint").compactMap { SDPFingerprint(attributeValue: $0) }
    }

    public mutating func removeAttributes(_ name: String) { lines.removeAttributes(name) }
    public mutating func addAttribute(_ name: String, _ value: String? = nil) { lines.addAttribute(name, value) }

    /// Removes and returns the media section at `index`; nil (and no change) when out of range.
    @discardableResult
    public mutating func removeMedia(at index: Int) -> SDPMedia? {
        guard media.indices.contains(index) else { return nil }
        return media.remove(at: index)
    }
}

/// Why an SDP body was rejected. `line` is 1-based; 0 when the problem concerns no single line.
public struct SDPError: Error, Hashable, Sendable, CustomStringConvertible {
    public var rule: String
    public var line: Int

    public init(_ rule: String, line: Int) {
        self.rule = rule
        self.line = line
    }

    public var description: String { line > 0 ? "\(rule) at line \(line)" : rule }
}

/// One `<type>=<value>` line. The text is always `type=value`; only the ending needs remembering.
public struct SDPLine: Sendable, Hashable, CustomStringConvertible {
    public enum Ending: Sendable, Hashable {
        case crlf, lf
        /// The last line of the input had no terminator.
        case none

        var string: String {
            switch self {
            case .crlf: return "\r\n"
            case .lf: return "\n"
            case .none: return ""
            }
        }
    }

    // An edited line is written in canonical form (CRLF), as RFC 8866 asks of senders.
    public var type: Character { didSet { if type != oldValue { ending = .crlf } } }
    public var value: String { didSet { if value != oldValue { ending = .crlf } } }
    public var ending: Ending

    public init(type: Character, value: String, ending: Ending = .crlf) {
        self.type = type
        self.value = value
        self.ending = ending
    }

    /// `type=value` without the line ending.
    public var text: String { "\(type)=\(value)" }
    /// `type=value` with its line ending.
    public var serialized: String { text + ending.string }
    public var description: String { text }

    /// For `a=name:value` or `a=name`: the name; nil for other line types.
    public var attributeName: String? {
        guard type == "a" else { return nil }
        if let c = value.firstIndex(of: ":") { return String(value[..<c]) }
        return value
    }

    /// For `a=name:value`: the value; nil for a flag attribute or another line type.
    public var attributeValue: String? {
        guard type == "a", let c = value.firstIndex(of: ":") else { return nil }
        return String(value[value.index(after: c)...])
    }

    static func parse(_ b: [UInt8], _ r: Range<Int>, ending: Ending, line: Int) throws(SDPError) -> SDPLine {
        // r is non-empty and inside b (the caller found it by scanning b).
        guard r.count >= 2, ByteClass.isAlpha(b[r.lowerBound]), b[r.lowerBound + 1] == ASCII.equals else {
            throw SDPError("line is not <type>=<value>", line: line)
        }
        let v = (r.lowerBound + 2)..<r.upperBound
        for i in v {
            if b[i] == 0 { throw SDPError("line contains a NUL byte", line: line) }
            if b[i] == ASCII.cr { throw SDPError("line contains a bare CR", line: line) }
        }
        let slice = b[v]
        let value = String(decoding: slice, as: UTF8.self)
        // Lossy decoding changes invalid bytes, so a mismatch means the input was not UTF-8;
        // refusing it keeps round trips exact.
        guard value.utf8.elementsEqual(slice) else {
            throw SDPError("line is not valid UTF-8", line: line)
        }
        return SDPLine(type: Character(UnicodeScalar(b[r.lowerBound])), value: value, ending: ending)
    }
}

/// One `m=` section: the media line's fields and the lines after it.
public struct SDPMedia: Sendable, Hashable {
    // Changing a field drops the original m= line so it is rebuilt from the fields.
    public var media: String { didSet { if media != oldValue { original = nil } } }
    public var port: Int { didSet { if port != oldValue { original = nil } } }
    public var portCount: Int? { didSet { if portCount != oldValue { original = nil } } }
    public var proto: String { didSet { if proto != oldValue { original = nil } } }
    public var formats: [String] { didSet { if formats != oldValue { original = nil } } }
    /// Lines after the `m=` line, in order.
    public var lines: [SDPLine]

    private var original: SDPLine?

    public init(media: String, port: Int, portCount: Int? = nil, proto: String, formats: [String], lines: [SDPLine] = []) {
        self.media = media
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.lines = lines
        self.original = nil
    }

    init(mediaLine: SDPLine, line: Int) throws(SDPError) {
        let fields = mediaLine.value.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = fields.first else { throw SDPError("malformed m= line: no media type", line: line) }
        guard fields.count >= 2 else { throw SDPError("malformed m= line: missing port", line: line) }
        let portField = fields[1]
        let portParts = portField.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let port: Int
        switch parseUnsigned(portParts.first ?? portField, max: 65_535) {
        case .value(let v): port = v
        case .notNumber: throw SDPError("malformed m= line: port is not a number", line: line)
        case .tooLarge: throw SDPError("malformed m= line: port out of range", line: line)
        }
        var count: Int?
        if portParts.count == 2 {
            guard case .value(let c) = parseUnsigned(portParts[1], max: 65_535), c >= 1 else {
                throw SDPError("malformed m= line: port count is not a number from 1 to 65535", line: line)
            }
            count = c
        }
        guard fields.count >= 3 else { throw SDPError("malformed m= line: missing transport protocol", line: line) }
        guard fields.count >= 4 else { throw SDPError("malformed m= line: no formats", line: line) }
        self.media = String(first)
        self.port = port
        self.portCount = count
        self.proto = String(fields[2])
        self.formats = fields.dropFirst(3).map(String.init)
        self.lines = []
        self.original = mediaLine
    }

    /// The `m=` line: as received while the fields are unchanged, else rebuilt from them.
    public var mediaLine: SDPLine {
        if let o = original { return o }
        var v = "\(media) \(port)"
        if let c = portCount { v += "/\(c)" }
        v += " \(proto)"
        for f in formats { v += " \(f)" }
        return SDPLine(type: "m", value: v)
    }

    /// Sets the port; 0 refuses or disables the stream (RFC 3264 §6, §8.2).
    public mutating func setPort(_ port: Int) { self.port = port }

    /// Media-level `c=` only; callers fall back to `SDP.connection` when nil.
    public var connection: SDPConnection? {
        lines.first { $0.type == "c" }.flatMap { SDPConnection(value: $0.value) }
    }

    public func attributes(_ name: String) -> [String] { lines.attributeValues(name) }
    public func hasAttribute(_ name: String) -> Bool { !lines.attributeValues(name).isEmpty }
    public mutating func removeAttributes(_ name: String) { lines.removeAttributes(name) }
    /// Appends `a=name:value` (or `a=name` when value is nil) after the existing lines.
    public mutating func addAttribute(_ name: String, _ value: String? = nil) { lines.addAttribute(name, value) }

    public var fingerprints: [SDPFingerprint] {
        attributes("fingerprint").compactMap { SDPFingerprint(attributeValue: $0) }
    }

    /// An SCTP-over-DTLS data channel m-line (RFC 8841, RFC 8864).
    public var isDataChannel: Bool {
        let p = proto.uppercased()
        return (p == "UDP/DTLS/SCTP" || p == "TCP/DTLS/SCTP") && formats.contains("webrtc-datachannel")
    }

    /// `a=dcmap` lines that parse; use `DataChannelMap(parsing:)` on `attributes("dcmap")` to see errors.
    public var dataChannels: [DataChannelMap] {
        attributes("dcmap").compactMap { try? DataChannelMap(parsing: $0) }
    }

    /// `a=3gpp-req-app` values (TS 26.114), kept opaque.
    public var requestedApps: [String] { attributes("3gpp-req-app") }
    /// `a=3gpp-bdc-used-by` (TS 26.114), kept opaque.
    public var bdcUsedBy: String? { attributes("3gpp-bdc-used-by").first }

    public var sctpPort: Int? { firstNumber("sctp-port", max: 65_535) }
    /// 0 means "no limit" (RFC 8841 §6).
    public var maxMessageSize: Int? { firstNumber("max-message-size", max: Int(Int32.max)) }
    public var setup: String? { attributes("setup").first }
    public var tlsID: String? { attributes("tls-id").first }

    private func firstNumber(_ name: String, max: Int) -> Int? {
        guard let v = attributes(name).first, case .value(let n) = parseUnsigned(v[...], max: max) else { return nil }
        return n
    }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`
public struct SDPOrigin: Sendable, Hashable {
    public var username: String
    public var sessionID: String
    public var sessionVersion: String
    public var netType: String
    public var addrType: String
    public var address: String

    public init(username: String, sessionID: String, sessionVersion: String, netType: String = "IN", addrType: String, address: String) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.netType = netType
        self.addrType = addrType
        self.address = address
    }

    public init?(value: String) {
        let f = value.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard f.count == 6 else { return nil }
        self.init(username: f[0], sessionID: f[1], sessionVersion: f[2], netType: f[3], addrType: f[4], address: f[5])
    }

    public var value: String { "\(username) \(sessionID) \(sessionVersion) \(netType) \(addrType) \(address)" }
}

/// `c=<nettype> <addrtype> <connection-address>`; the address keeps any `/ttl/count` suffix.
public struct SDPConnection: Sendable, Hashable {
    public var netType: String
    public var addrType: String
    public var address: String

    public init(netType: String = "IN", addrType: String, address: String) {
        self.netType = netType
        self.addrType = addrType
        self.address = address
    }

    public init?(value: String) {
        let f = value.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard f.count == 3 else { return nil }
        self.init(netType: f[0], addrType: f[1], address: f[2])
    }

    public var value: String { "\(netType) \(addrType) \(address)" }
}

/// `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122 §5).
public struct SDPFingerprint: Sendable, Hashable {
    public var hashFunction: String
    public var value: String

    public init(hashFunction: String, value: String) {
        self.hashFunction = hashFunction
        self.value = value
    }

    public init?(attributeValue: String) {
        let f = attributeValue.split(separator: " ", omittingEmptySubsequences: true)
        guard f.count == 2 else { return nil }
        self.init(hashFunction: String(f[0]), value: String(f[1]))
    }

    public var attributeValue: String { "\(hashFunction) \(value)" }

    /// The fingerprint as bytes; nil unless it is colon-separated pairs of hex digits.
    public var bytes: [UInt8]? {
        var out: [UInt8] = []
        for pair in value.utf8.split(separator: ASCII.colon, omittingEmptySubsequences: false) {
            guard pair.count == 2, let hi = pair.first, let lo = pair.last,
                  let h = hexValue(hi), let l = hexValue(lo) else { return nil }
            out.append(h << 4 | l)
        }
        return out.isEmpty ? nil : out
    }
}

/// `a=dcmap:<stream-id> [<opt>;<opt>...]` (RFC 8864 §5.1).
public struct DataChannelMap: Sendable, Hashable {
    public var streamID: Int
    /// Options in the order written; raw values keep their quotes.
    public var parameters: Parameters

    public init(streamID: Int, parameters: Parameters = []) {
        self.streamID = streamID
        self.parameters = parameters
    }

    /// Parses an `a=dcmap` value; errors carry line 0 because the value is out of context.
    public init(parsing value: String) throws(SDPError) {
        let bytes = Array(value.utf8)
        var i = 0
        while i < bytes.count, ByteClass.isDigit(bytes[i]) { i += 1 }
        guard i > 0, i <= 5, case .value(let id) = parseUnsigned(value.utf8.prefix(i), max: 65_535) else {
            throw SDPError("malformed dcmap: stream id is not a number from 0 to 65535", line: 0)
        }
        var params = Parameters()
        if i < bytes.count {
            guard bytes[i] == ASCII.sp else { throw SDPError("malformed dcmap: expected a space after the stream id", line: 0) }
            i += 1
            // Split on ';' outside quotes: a quoted label may itself contain ';'.
            var start = i
            var inQuote = false
            var pieces: [Range<Int>] = []
            while i < bytes.count {
                let b = bytes[i]
                if b == ASCII.quote { inQuote.toggle() } else if b == ASCII.semicolon, !inQuote {
                    pieces.append(start..<i)
                    start = i + 1
                }
                i += 1
            }
            guard !inQuote else { throw SDPError("malformed dcmap: unterminated quoted string", line: 0) }
            pieces.append(start..<bytes.count)
            if !(pieces.count == 1 && trimmed(bytes, pieces[0]).isEmpty) {
                for p in pieces {
                    let r = trimmed(bytes, p)
                    guard let eq = bytes[r].firstIndex(of: ASCII.equals) else {
                        throw SDPError("malformed dcmap: option is not name=value", line: 0)
                    }
                    let nameR = trimmed(bytes, r.lowerBound..<eq)
                    let valR = trimmed(bytes, (eq + 1)..<r.upperBound)
                    guard !nameR.isEmpty, bytes[nameR].allSatisfy(ByteClass.isToken), !valR.isEmpty else {
                        throw SDPError("malformed dcmap: option is not name=value", line: 0)
                    }
                    if bytes[valR.lowerBound] == ASCII.quote,
                       valR.count < 2 || bytes[valR.upperBound - 1] != ASCII.quote {
                        throw SDPError("malformed dcmap: unterminated quoted string", line: 0)
                    }
                    params.append(Parameter(name: String(decoding: bytes[nameR], as: UTF8.self),
                                                  rawValue: String(decoding: bytes[valR], as: UTF8.self)))
                }
            }
        }
        self.init(streamID: id, parameters: params)
    }

    /// `a=dcmap` value to write back.
    public var attributeValue: String {
        guard !parameters.isEmpty else { return "\(streamID)" }
        return "\(streamID) " + parameters.map(\.description).joined(separator: ";")
    }

    /// Unquoted and percent-decoded (RFC 8864 quoted-visible-string).
    public var subprotocol: String? { text("subprotocol") }
    public var label: String? { text("label") }
    public var ordered: Bool? {
        switch parameters.rawValue("ordered")?.lowercased() {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }
    public var maxRetransmits: Int? { number("max-retr") }
    public var maxTime: Int? { number("max-time") }
    public var priority: Int? { number("priority") }

    private func raw(_ name: String) -> String? {
        parameters.rawValue(name)
    }

    private func text(_ name: String) -> String? {
        guard let r = raw(name) else { return nil }
        let u = r.utf8
        let unquoted = u.count >= 2 && u.first == ASCII.quote && u.last == ASCII.quote ? u.dropFirst().dropLast() : u[...]
        return percentDecode(unquoted)
    }

    private func number(_ name: String) -> Int? {
        guard let r = raw(name), case .value(let n) = parseUnsigned(r[...], max: Int(Int32.max)) else { return nil }
        return n
    }
}

// MARK: - Helpers

extension Array where Element == SDPLine {
    func attributeValues(_ name: String) -> [String] {
        compactMap { $0.attributeName == name ? ($0.attributeValue ?? "") : nil }
    }

    mutating func removeAttributes(_ name: String) {
        removeAll { $0.attributeName == name }
    }

    mutating func addAttribute(_ name: String, _ value: String?) {
        append(SDPLine(type: "a", value: value.map { "\(name):\($0)" } ?? name))
    }
}

enum UnsignedParse: Equatable {
    case value(Int), notNumber, tooLarge
}

/// ASCII digits only (Int(_:) would also take "+5" or "-0"), bounded by `max` without overflow.
func parseUnsigned<S: Collection>(_ s: S, max: Int) -> UnsignedParse where S.Element == UInt8 {
    guard !s.isEmpty else { return .notNumber }
    var v = 0
    var tooLarge = false
    for b in s {
        guard ByteClass.isDigit(b) else { return .notNumber }
        // Once too large, keep scanning only to tell "not a number" from "too large".
        if tooLarge { continue }
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(Int(b &- 0x30))
        if o1 || o2 || a > max { tooLarge = true } else { v = a }
    }
    return tooLarge ? .tooLarge : .value(v)
}

func parseUnsigned(_ s: Substring, max: Int) -> UnsignedParse { parseUnsigned(s.utf8, max: max) }

private func trimmed(_ b: [UInt8], _ r: Range<Int>) -> Range<Int> {
    var lo = r.lowerBound, hi = r.upperBound
    while lo < hi, ByteClass.isSpace(b[lo]) { lo += 1 }
    while hi > lo, ByteClass.isSpace(b[hi - 1]) { hi -= 1 }
    return lo..<hi
}
