/// Via (RFC 3261 §20.42; `rport` RFC 3581). LWS is allowed around the '/' of sent-protocol.
public struct Via: ScannableHeaderValue, Hashable {
    public static func == (a: Via, b: Via) -> Bool {
        a.protocolName == b.protocolName && a.protocolVersion == b.protocolVersion && a.transport == b.transport
            && a.host == b.host && a.port == b.port && a.parameters == b.parameters
    }

    public func hash(into h: inout Hasher) {
        h.combine(host)
        h.combine(port)
        h.combine(parameters)
    }

    public static let headers: [KnownHeader] = [.via]
    public static let magicCookie = "z9hG4bK"

    // Sent-protocol and sent-by stay one slice of the message until read (most Vias are
    // only passed along); the four parts are offsets into it.
    private var text: ByteSpan
    private var parts: (name: OffsetRange, version: OffsetRange, transport: OffsetRange, host: OffsetRange)
    public var port: Int?
    public var parameters: Parameters

    public var protocolName: String {
        get { text.string(parts.name.range) }
        set { rebuild(name: newValue) }
    }
    public var protocolVersion: String {
        get { text.string(parts.version.range) }
        set { rebuild(version: newValue) }
    }
    public var transport: String {
        get { text.string(parts.transport.range) }
        set { rebuild(transport: newValue) }
    }
    /// Host as written; an IPv6 reference keeps its brackets.
    public var host: String {
        get { text.string(parts.host.range) }
        set { rebuild(host: newValue) }
    }

    public init(transport: String, host: String, port: Int? = nil, branch: String? = nil, parameters: Parameters = []) {
        text = ByteSpan()
        parts = (OffsetRange(0..<0), OffsetRange(0..<0), OffsetRange(0..<0), OffsetRange(0..<0))
        self.port = port
        self.parameters = parameters
        rebuild(name: "SIP", version: "2.0", transport: transport, host: host)
        if let branch { self.parameters.set("branch", branch) }
    }

    private init(text: ByteSpan, name: Range<Int>, version: Range<Int>, transport: Range<Int>, host: Range<Int>,
                 port: Int?, parameters: Parameters) {
        self.text = text
        self.parts = (OffsetRange(name), OffsetRange(version), OffsetRange(transport), OffsetRange(host))
        self.port = port
        self.parameters = parameters
    }

    /// Writes the parts anew as `name/version/transport host`.
    private mutating func rebuild(name: String? = nil, version: String? = nil, transport: String? = nil, host: String? = nil) {
        let values = [name ?? protocolName, version ?? protocolVersion, transport ?? self.transport, host ?? self.host]
        var out = [UInt8]()
        var ranges: [Range<Int>] = []
        for (k, v) in values.enumerated() {
            if k > 0 { out.append(k == 3 ? ASCII.sp : ASCII.slash) }
            let start = out.count
            out += Array(v.utf8)
            ranges.append(start..<out.count)
        }
        text = ByteSpan(out)
        parts = (OffsetRange(ranges[0]), OffsetRange(ranges[1]), OffsetRange(ranges[2]), OffsetRange(ranges[3]))
    }

    public var branch: String? {
        get { parameters["branch"] }
        set { parameters.set("branch", newValue) }
    }
    public var received: String? {
        get { parameters["received"] }
        set { parameters.set("received", newValue) }
    }
    /// `rport` with a value; see `hasRport` for the valueless request form.
    public var rport: Int? { parameters["rport"].flatMap { Int($0) } }
    public var hasRport: Bool { parameters.contains("rport") }
    public var maddr: String? { parameters["maddr"] }
    public var ttl: Int? { parameters["ttl"].flatMap { Int($0) } }

    /// RFC 3261 §8.1.1.7: a branch starting with the magic cookie.
    public var hasMagicCookie: Bool { branch?.hasPrefix(Self.magicCookie) ?? false }

    public var description: String {
        var s = "\(protocolName)/\(protocolVersion)/\(transport) \(host)"
        if let port { s += ":\(port)" }
        return s + parameters.serialized
    }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> Via {
        let name = try s.requireToken("sent-protocol name (SIP)")
        guard s.consumeSeparator(ASCII.slash) else { throw s.error("expected '/' in Via sent-protocol") }
        let version = try s.requireToken("sent-protocol version")
        guard s.consumeSeparator(ASCII.slash) else { throw s.error("expected '/' in Via sent-protocol") }
        let transport = try s.requireToken("transport")
        let afterProtocol = s.pos
        s.skipLWS()
        guard s.pos > afterProtocol else { throw s.error("expected LWS before the Via sent-by") }
        let hostStart = s.pos
        if s.peek == ASCII.lbracket {
            s.skip { $0 != ASCII.rbracket }
            guard s.consume(ASCII.rbracket) else { throw s.error("unterminated IPv6 reference in Via", at: hostStart) }
        } else {
            let f = s.flags
            s.skip { f[Int($0)] & ByteClass.hostFlag != 0 }
        }
        guard s.pos > hostStart else { throw s.error("expected the Via sent-by host") }
        let hostEnd = s.pos
        var port: Int?
        if s.consumeSeparator(ASCII.colon) {
            port = Int(try s.number("Via port", max: 65535))
        }
        let params = try s.headerParameters("Via")
        guard equalsLowercased(s.bytes, name, "sip") else { throw s.error("Via protocol must be SIP", at: name.lowerBound) }
        let base = name.lowerBound
        func rel(_ r: Range<Int>) -> Range<Int> { r.lowerBound - base..<r.upperBound - base }
        return Via(text: s.slice(base..<hostEnd), name: rel(name), version: rel(version), transport: rel(transport),
                   host: rel(hostStart..<hostEnd), port: port, parameters: params)
    }
}
