/// One mechanism of Security-Client / Security-Server / Security-Verify (RFC 3329 §2.2;
/// TS 33.203 Annex H for ipsec-3gpp), e.g.
/// `ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=1111;spi-s=2222;port-c=5062;port-s=5064`.
public struct SecurityMechanism: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.securityClient, .securityServer, .securityVerify]
    /// `ipsec-3gpp`, `tls`, `digest`, `ipsec-ike`, `ipsec-man`, or an extension token.
    public var mechanism: String
    public var parameters: Parameters

    public init(_ mechanism: String, parameters: Parameters = []) {
        self.mechanism = mechanism
        self.parameters = parameters
    }

    public var isIPsec3GPP: Bool { mechanism.caseInsensitiveEquals("ipsec-3gpp") }

    /// Preference (RFC 3329 `q`, 0...1).
    public var q: Double? {
        get { parameters["q"].flatMap(Double.init) }
        set { setParam("q", newValue.map { String($0) }) }
    }
    /// Integrity algorithm (`hmac-sha-1-96`, `hmac-md5-96`).
    public var alg: String? {
        get { parameters["alg"] }
        set { setParam("alg", newValue) }
    }
    /// Encryption algorithm (`aes-cbc`, `des-ede3-cbc`, `null`).
    public var ealg: String? {
        get { parameters["ealg"] }
        set { setParam("ealg", newValue) }
    }
    /// `esp` or `ah`.
    public var prot: String? {
        get { parameters["prot"] }
        set { setParam("prot", newValue) }
    }
    /// `trans` or `tun`.
    public var mod: String? {
        get { parameters["mod"] }
        set { setParam("mod", newValue) }
    }
    public var spiC: Int? {
        get { parameters["spi-c"].flatMap { Int($0) } }
        set { setParam("spi-c", newValue.map(String.init)) }
    }
    public var spiS: Int? {
        get { parameters["spi-s"].flatMap { Int($0) } }
        set { setParam("spi-s", newValue.map(String.init)) }
    }
    public var portC: Int? {
        get { parameters["port-c"].flatMap { Int($0) } }
        set { setParam("port-c", newValue.map(String.init)) }
    }
    public var portS: Int? {
        get { parameters["port-s"].flatMap { Int($0) } }
        set { setParam("port-s", newValue.map(String.init)) }
    }
    /// RFC 3329 digest mechanism parameters.
    public var digestAlgorithm: String? {
        get { parameters["d-alg"] }
        set { setParam("d-alg", newValue) }
    }
    public var digestQop: String? {
        get { parameters["d-qop"] }
        set { setParam("d-qop", newValue) }
    }
    /// `d-ver`: quoted hash of the server's list, echoed in Security-Verify.
    public var digestVerify: String? {
        get { parameters["d-ver"] }
        set { parameters.setAuth("d-ver", newValue, quoted: true) }
    }

    public var description: String { mechanism + parameters.serialized }

    private mutating func setParam(_ name: String, _ value: String?) {
        if let value { parameters.set(name, value) } else { parameters.remove(name) }
    }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> SecurityMechanism {
        let m = try s.requireToken("security mechanism (ipsec-3gpp, tls, digest)")
        let start = s.pos
        let v = SecurityMechanism(s.string(m), parameters: try s.headerParameters("security mechanism"))
        // Malformed SPIs and ports would set up the wrong SAs, so reject them here.
        let problem = v.parameters.firstProblem { p, name, value in
            guard name.count >= 1, name.count <= 6 else { return nil }
            switch ByteClass.lower(p[name.lowerBound]) {
            case 0x73 where equalsLowercased(p, name, "spi-c") || equalsLowercased(p, name, "spi-s"):
                if let v = value, decimal(p, v, max: UInt64(UInt32.max)) != nil { return nil }
                return "security mechanism \(String(p, name)) must be a decimal 32-bit SPI"
            case 0x70 where equalsLowercased(p, name, "port-c") || equalsLowercased(p, name, "port-s"):
                if let v = value, decimal(p, v, max: 65535) != nil { return nil }
                return "security mechanism \(String(p, name)) must be a port number 0-65535"
            case 0x71 where name.count == 1:
                if let q = value.flatMap({ Double(String(p, $0)) }), (0...1).contains(q) { return nil }
                return "security mechanism q must be 0 to 1"
            default:
                return nil
            }
        }
        if let problem { throw s.error(problem, at: start) }
        return v
    }
}

extension SIPMessage {
    public var securityClient: [SecurityMechanism] { (try? headerValues(SecurityMechanism.self, .securityClient)) ?? [] }
    public var securityServer: [SecurityMechanism] { (try? headerValues(SecurityMechanism.self, .securityServer)) ?? [] }
    public var securityVerify: [SecurityMechanism] { (try? headerValues(SecurityMechanism.self, .securityVerify)) ?? [] }
}
