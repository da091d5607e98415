/// The protected header of a PASSporT (RFC 8225 §4): `{"alg","typ","ppt","x5u"}`.
public struct PASSporTHeader: Hashable, Sendable {
    public var alg: String
    public var typ: String
    /// Extension type (`shaken`, `rcd`, `div`, ...); nil for a base PASSporT.
    public var ppt: String?
    /// Certificate URL; mirrors the Identity `info` parameter.
    public var x5u: String?
    /// Other header parameters, kept as received.
    public var extra: [JSONMember]

    public init(alg: String = "ES256", typ: String = "passport", ppt: String? = nil, x5u: String? = nil, extra: [JSONMember] = []) {
        self.alg = alg
        self.typ = typ
        self.ppt = ppt
        self.x5u = x5u
        self.extra = extra
    }

    public var json: JSONValue {
        var m = [JSONMember("alg", .string(alg)), JSONMember("typ", .string(typ))]
        if let ppt { m.append(JSONMember("ppt", .string(ppt))) }
        if let x5u { m.append(JSONMember("x5u", .string(x5u))) }
        return .object(m + extra)
    }

    /// Reads the header's shape; whether `alg`/`typ` are acceptable is the verifier's call.
    public static func parse(_ json: JSONValue) throws(PASSporTError) -> PASSporTHeader {
        guard let members = json.objectMembers else { throw .notAnObject(.header, found: json.kind) }
        func string(_ name: String, required: Bool) throws(PASSporTError) -> String? {
            guard let v = json[name] else {
                if required { throw .missingHeaderParameter(name) }
                return nil
            }
            guard let s = v.stringValue else { throw .headerParameterNotString(name, found: v.kind) }
            return s
        }
        let alg = try string("alg", required: true) ?? ""
        let typ = try string("typ", required: true) ?? ""
        let ppt = try string("ppt", required: false)
        let x5u = try string("x5u", required: false)
        // A switch compares the short keys in place; a Set would hash every key.
        let extra = members.filter {
            switch $0.key {
            case "alg", "typ", "ppt", "x5u": false
            default: true
            }
        }
        return PASSporTHeader(alg: alg, typ: typ, ppt: ppt, x5u: x5u, extra: extra)
    }
}

/// `orig` (RFC 8225 §5.2.1): exactly one of a canonical TN or a URI.
public enum PASSporTOriginator: Hashable, Sendable {
    case tn(String)
    case uri(String)

    public var json: JSONValue {
        switch self {
        case .tn(let t): .object(["tn": .string(t)])
        case .uri(let u): .object(["uri": .string(u)])
        }
    }
}

/// `dest` (RFC 8225 §5.2.1): arrays of TNs and/or URIs, at least one identity in all.
public struct PASSporTDestination: Hashable, Sendable {
    public var tn: [String]
    public var uri: [String]

    public init(tn: [String] = [], uri: [String] = []) {
        self.tn = tn
        self.uri = uri
    }

    public var json: JSONValue {
        var m: [JSONMember] = []
        if !tn.isEmpty { m.append(JSONMember("tn", .array(tn.map(JSONValue.string)))) }
        if !uri.isEmpty { m.append(JSONMember("uri", .array(uri.map(JSONValue.string)))) }
        return .object(m)
    }
}

/// The `rcd` claim (RFC 9795 §5). `nam` is mandatory by rule, optional here so a
/// non-conforming token can still be represented and reported.
public struct RichCallData: Hashable, Sendable {
    public var nam: String?
    public var apn: String?
    public var icn: String?
    /// Inline jCard (RFC 7095), kept as JSON.
    public var jcd: JSONValue?
    public var jcl: String?
    public var extra: [JSONMember]

    public init(nam: String?, apn: String? = nil, icn: String? = nil, jcd: JSONValue? = nil, jcl: String? = nil, extra: [JSONMember] = []) {
        self.nam = nam
        self.apn = apn
        self.icn = icn
        self.jcd = jcd
        self.jcl = jcl
        self.extra = extra
    }

    public var json: JSONValue {
        var m: [JSONMember] = []
        if let nam { m.append(JSONMember("nam", .string(nam))) }
        if let apn { m.append(JSONMember("apn", .string(apn))) }
        if let icn { m.append(JSONMember("icn", .string(icn))) }
        if let jcd { m.append(JSONMember("jcd", jcd)) }
        if let jcl { m.append(JSONMember("jcl", .string(jcl))) }
        return .object(m + extra)
    }
}

/// One `rcdi` member: JSON pointer (into `rcd`) -> `<alg>-<base64 digest>`.
public struct RCDIEntry: Hashable, Sendable {
    public var pointer: String
    public var digest: String
    public init(pointer: String, digest: String) {
        self.pointer = pointer
        self.digest = digest
    }
}

/// PASSporT claims (RFC 8225 §5, RFC 8588, RFC 9795). Unknown claims are kept in `other`.
public struct PASSporTClaims: Hashable, Sendable {
    public var orig: PASSporTOriginator
    public var dest: PASSporTDestination
    /// NumericDate seconds; always supplied by the caller (no clock in this library).
    public var iat: Int64
    public var attest: String?
    public var origid: String?
    public var rcd: RichCallData?
    public var crn: String?
    public var rcdi: [RCDIEntry]?
    /// Media key fingerprints (RFC 8225 §5.2.2), kept as JSON.
    public var mky: JSONValue?
    public var other: [JSONMember]

    public init(orig: PASSporTOriginator, dest: PASSporTDestination, iat: Int64, attest: String? = nil, origid: String? = nil,
                rcd: RichCallData? = nil, crn: String? = nil, rcdi: [RCDIEntry]? = nil, mky: JSONValue? = nil,
                other: [JSONMember] = []) {
        self.orig = orig
        self.dest = dest
        self.iat = iat
        self.attest = attest
        self.origid = origid
        self.rcd = rcd
        self.crn = crn
        self.rcdi = rcdi
        self.mky = mky
        self.other = other
    }

    public var json: JSONValue {
        var m = [JSONMember("orig", orig.json), JSONMember("dest", dest.json), JSONMember("iat", .integer(iat))]
        if let attest { m.append(JSONMember("attest", .string(attest))) }
        if let origid { m.append(JSONMember("origid", .string(origid))) }
        if let rcd { m.append(JSONMember("rcd", rcd.json)) }
        if let crn { m.append(JSONMember("crn", .string(crn))) }
        if let rcdi { m.append(JSONMember("rcdi", .object(rcdi.map { JSONMember($0.pointer, .string($0.digest)) }))) }
        if let mky { m.append(JSONMember("mky", mky)) }
        return .object(m + other)
    }

    /// `json.canonicalBytes`, written from the fields when no claim or rcd member of unknown
    /// name is present (the signer's usual case): no JSON tree is built and nothing is sorted,
    /// as the keys are written in their canonical order.
    public var canonicalBytes: [UInt8] {
        guard other.isEmpty, rcd?.extra.isEmpty ?? true else { return json.canonicalBytes }
        var w = JSONWriter(reservingCapacity: 256)
        w.object { w in
            if let attest { w.key("attest"); w.string(attest) }
            if let crn { w.key("crn"); w.string(crn) }
            w.key("dest")
            w.object { w in
                if !dest.tn.isEmpty { w.key("tn"); w.array(dest.tn) { $0.string($1) } }
                if !dest.uri.isEmpty { w.key("uri"); w.array(dest.uri) { $0.string($1) } }
            }
            w.key("iat"); w.value(.integer(iat))
            if let mky { w.key("mky"); w.value(mky) }
            w.key("orig")
            w.object { w in
                switch orig {
                case .tn(let tn): w.key("tn"); w.string(tn)
                case .uri(let uri): w.key("uri"); w.string(uri)
                }
            }
            if let origid { w.key("origid"); w.string(origid) }
            if let rcd {
                w.key("rcd")
                w.object { w in
                    if let apn = rcd.apn { w.key("apn"); w.string(apn) }
                    if let icn = rcd.icn { w.key("icn"); w.string(icn) }
                    if let jcd = rcd.jcd { w.key("jcd"); w.value(jcd) }
                    if let jcl = rcd.jcl { w.key("jcl"); w.string(jcl) }
                    if let nam = rcd.nam { w.key("nam"); w.string(nam) }
                }
            }
            // Pointers are sorted as canonical JSON sorts them: written through the tree.
            if let rcdi { w.key("rcdi"); w.value(.object(rcdi.map { JSONMember($0.pointer, .string($0.digest)) })) }
        }
        return w.bytes
    }

    /// True only when `problems(ppt:)` is surely empty, decided from the fields: no unknown
    /// claim or rcd member (whose keys could shadow known ones) and no `rcdi` (whose entries
    /// need parsing). False means "not decided here": the caller parses `json` as before.
    func plainlyConform(ppt: String?) -> Bool {
        guard other.isEmpty, rcdi == nil, !dest.tn.isEmpty || !dest.uri.isEmpty else { return false }
        if ppt == SHAKEN.ppt, !SHAKEN.problems(attest: attest, origid: origid, attestPresent: attest != nil,
                                               origidPresent: origid != nil).isEmpty { return false }
        if let rcd {
            guard rcd.extra.isEmpty, rcd.nam != nil, rcd.jcd.map({ $0.arrayValue != nil }) ?? true,
                  RCDRules.constraintBreaches(rcd).isEmpty else { return false }
        } else if ppt == RCDRules.ppt, crn == nil {
            return false
        }
        return true
    }

    /// The claims with a field of their own (the rest go to `other`): a switch compares the
    /// short keys in place, where a Set would hash every key.
    static func isKnownClaim(_ key: String) -> Bool {
        switch key {
        case "orig", "dest", "iat", "attest", "origid", "rcd", "crn", "rcdi", "mky": true
        default: false
        }
    }

    /// Reads claims from a payload and applies the RFC 8225 shape rules plus the rules of `ppt`
    /// (SHAKEN, RCD). Collects every problem rather than stopping at the first.
    public static func parse(_ json: JSONValue, ppt: String?) -> Result<PASSporTClaims, PASSporTRejection> {
        guard let members = json.objectMembers else {
            return .failure(PASSporTRejection(.notAnObject(.payload, found: json.kind)))
        }
        var problems: [PASSporTError] = []
        let known = KnownClaims(members)

        let orig = parseOrig(known.orig, problems: &problems)
        let dest = parseDest(known.dest, problems: &problems)
        var iat: Int64?
        switch known.iat {
        case nil: problems.append(.missingClaim("iat"))
        case .integer(let i)?: iat = i
        case let v?: problems.append(.iatNotInteger(found: v.kind))
        }
        let attest = optionalString("attest", known.attest, &problems)
        let origid = optionalString("origid", known.origid, &problems)
        let crn = optionalString("crn", known.crn, &problems)
        let rcd = parseRCD(known.rcd, problems: &problems)
        let rcdi = parseRCDI(known.rcdi, problems: &problems)

        if ppt == SHAKEN.ppt {
            problems += SHAKEN.problems(attest: attest, origid: origid, attestPresent: known.attest != nil,
                                        origidPresent: known.origid != nil)
        }
        problems += RCDRules.problems(ppt: ppt, rcd: rcd, rcdJSON: known.rcd, crnPresent: known.crn != nil)

        if let first = problems.first {
            return .failure(PASSporTRejection(first, otherReasons: Array(problems.dropFirst())))
        }
        // A nil orig/dest/iat always records a problem above, so this guard never fails.
        guard let orig, let dest, let iat else { return .failure(PASSporTRejection(.missingClaim("orig"))) }
        let claims = PASSporTClaims(orig: orig, dest: dest, iat: iat, attest: attest, origid: origid, rcd: rcd, crn: crn, rcdi: rcdi,
                                    mky: known.mky, other: members.filter { !isKnownClaim($0.key) })
        return .success(claims)
    }

    /// The claims with a field of their own, found in one pass over the members: each is the
    /// first member with its key, as `json[key]` gives it.
    struct KnownClaims {
        var orig, dest, iat, attest, origid, rcd, crn, rcdi, mky: JSONValue?

        init(_ members: [JSONMember]) {
            for m in members {
                switch m.key {
                case "orig": if orig == nil { orig = m.value }
                case "dest": if dest == nil { dest = m.value }
                case "iat": if iat == nil { iat = m.value }
                case "attest": if attest == nil { attest = m.value }
                case "origid": if origid == nil { origid = m.value }
                case "rcd": if rcd == nil { rcd = m.value }
                case "crn": if crn == nil { crn = m.value }
                case "rcdi": if rcdi == nil { rcdi = m.value }
                case "mky": if mky == nil { mky = m.value }
                default: break
                }
            }
        }
    }

    /// Every rule problem with these claims under `ppt` (empty when conforming), including the
    /// rcd constraint breaches a signer must refuse.
    public func problems(ppt: String?) -> [PASSporTError] {
        switch Self.parse(json, ppt: ppt) {
        case .success(let c): RCDRules.constraintBreaches(c.rcd)
        case .failure(let r): r.reasons
        }
    }

    /// The claim `name` (its value `v`) when it is a string; a problem when it is anything else.
    static func optionalString(_ name: String, _ v: JSONValue?, _ problems: inout [PASSporTError]) -> String? {
        guard let v else { return nil }
        guard let s = v.stringValue else {
            problems.append(.claimWrongType(name, expected: .string, found: v.kind))
            return nil
        }
        return s
    }

    /// Names the common mistake of a JSON string holding serialised JSON (libstirshaken).
    static func shapeFound(_ v: JSONValue) -> String {
        if case .string(let s) = v, case .object? = try? JSONValue.parse(s) {
            return "a string containing serialised JSON, not an object"
        }
        return "a JSON \(v.kind), not an object"
    }

    static func parseOrig(_ v: JSONValue?, problems: inout [PASSporTError]) -> PASSporTOriginator? {
        guard let v else { problems.append(.missingClaim("orig")); return nil }
        guard v.objectMembers != nil else {
            problems.append(.origWrongShape("orig is \(shapeFound(v)); expected {\"tn\":...} or {\"uri\":...}"))
            return nil
        }
        switch (v["tn"], v["uri"]) {
        case (.string(let tn)?, nil): return .tn(tn)
        case (nil, .string(let uri)?): return .uri(uri)
        case (nil, nil): problems.append(.origWrongShape("orig has neither \"tn\" nor \"uri\""))
        case (.some, .some): problems.append(.origWrongShape("orig has both \"tn\" and \"uri\" (exactly one allowed)"))
        case (let t?, nil): problems.append(.origWrongShape("orig.tn must be a string, found \(t.kind)"))
        case (nil, let u?): problems.append(.origWrongShape("orig.uri must be a string, found \(u.kind)"))
        }
        return nil
    }

    static func parseDest(_ v: JSONValue?, problems: inout [PASSporTError]) -> PASSporTDestination? {
        guard let v else { problems.append(.missingClaim("dest")); return nil }
        guard v.objectMembers != nil else {
            problems.append(.destWrongShape("dest is \(shapeFound(v)); expected {\"tn\":[...]} or {\"uri\":[...]}"))
            return nil
        }
        var dest = PASSporTDestination()
        var ok = true
        for key in ["tn", "uri"] {
            guard let field = v[key] else { continue }
            guard let items = field.arrayValue else {
                problems.append(.destWrongShape("dest.\(key) must be an array of strings, found \(field.kind)"))
                ok = false
                continue
            }
            var strings: [String] = []
            for item in items {
                guard let s = item.stringValue else {
                    problems.append(.destWrongShape("dest.\(key) holds a \(item.kind), expected strings"))
                    ok = false
                    break
                }
                strings.append(s)
            }
            if key == "tn" { dest.tn = strings } else { dest.uri = strings }
        }
        guard ok else { return nil }
        guard !dest.tn.isEmpty || !dest.uri.isEmpty else {
            problems.append(.destWrongShape("dest names no identity (needs a non-empty \"tn\" or \"uri\" array)"))
            return nil
        }
        return dest
    }

    static func parseRCD(_ v: JSONValue?, problems: inout [PASSporTError]) -> RichCallData? {
        guard let v else { return nil }
        guard let members = v.objectMembers else {
            problems.append(.claimWrongType("rcd", expected: .object, found: v.kind))
            return nil
        }
        var rcd = RichCallData(nam: nil)
        for key in ["nam", "apn", "icn", "jcl"] {
            guard let field = v[key] else { continue }
            guard let s = field.stringValue else {
                problems.append(.claimWrongType("rcd.\(key)", expected: .string, found: field.kind))
                continue
            }
            switch key {
            case "nam": rcd.nam = s
            case "apn": rcd.apn = s
            case "icn": rcd.icn = s
            default: rcd.jcl = s
            }
        }
        if let jcd = v["jcd"] {
            // A jCard is ["vcard", [...]].
            if jcd.arrayValue == nil { problems.append(.claimWrongType("rcd.jcd", expected: .array, found: jcd.kind)) }
            rcd.jcd = jcd
        }
        rcd.extra = members.filter {
            switch $0.key {
            case "nam", "apn", "icn", "jcd", "jcl": false
            default: true
            }
        }
        return rcd
    }

    static func parseRCDI(_ v: JSONValue?, problems: inout [PASSporTError]) -> [RCDIEntry]? {
        guard let v else { return nil }
        guard let members = v.objectMembers else {
            problems.append(.claimWrongType("rcdi", expected: .object, found: v.kind))
            return nil
        }
        var entries: [RCDIEntry] = []
        for m in members {
            guard JSONPointer(m.key) != nil, !m.key.isEmpty else {
                problems.append(.rcdiMalformedPointer(m.key))
                continue
            }
            guard let s = m.value.stringValue, RCDIDigest(s) != nil else {
                problems.append(.rcdiMalformedDigest(pointer: m.key, value: m.value.stringValue ?? m.value.canonicalString))
                continue
            }
            entries.append(RCDIEntry(pointer: m.key, digest: s))
        }
        return entries
    }
}
