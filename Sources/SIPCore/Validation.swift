/// One header field decoded into its typed form (the eager path).
public enum TypedHeader: Sendable {
    case via(HeaderValues<Via>)
    case address(KnownHeader, HeaderValues<AddressValue>)
    case contact(HeaderValues<ContactValue>)
    case cseq(CSeq)
    case callID(CallID)
    case maxForwards(MaxForwards)
    case numeric(KnownHeader, Numeric)
    case tokens(KnownHeader, HeaderValues<OptionTag>)
    case mediaTypes(KnownHeader, HeaderValues<MediaType>)
    case date(SIPDate)
    case warnings(HeaderValues<Warning>)
    case text(KnownHeader, TextValue)
    case contentLength(Int)
    case challenge(KnownHeader, Challenge)
    case credentials(KnownHeader, Credentials)
    case authenticationInfo(AuthenticationInfo)
    case security(KnownHeader, HeaderValues<SecurityMechanism>)
    case privacy(Privacy)
    case identity(IdentityValue)
    case chargingVector(ChargingVector)
    case accessNetworkInfo(HeaderValues<AccessNetworkInfo>)
    case visitedNetworkID(HeaderValues<VisitedNetworkID>)
    case attestationInfo(AttestationInfo)
    case originationID(OriginationID)
    case callInfo(HeaderValues<CallInfo>)
    case reason(HeaderValues<ReasonValue>)
    case featureCaps(HeaderValues<FeatureCap>)
    /// A header without a typed view: its name and value, read when asked for.
    case other(RawHeader)
}

/// A header field kept as written; `value` unfolds continuation lines.
public struct RawHeader: Sendable {
    let line: ByteSpan
    let nameEnd: Int32
    let valueRange: OffsetRange

    public var name: String { line.string(0..<Int(nameEnd)) }
    /// As written, folding included.
    public var rawValue: String { line.string(valueRange.range) }
    public var value: String { line.withBytes { collapseFolding($0, valueRange.range) } }
}

extension SIPMessage {
    /// Decodes every header field into its typed form and checks the rules that span the
    /// message (Request-URI syntax, CSeq method). Throws the first defect found, located.
    public func validate() throws(SIPParseError) -> [TypedHeader] {
        var out: [TypedHeader] = []
        out.reserveCapacity(fields.count)
        if isRequest { try checkRequestURI() }
        for i in fields.indices {
            out.append(try typedField(i))
        }
        var cseqMethod: String?
        if let k = fields.firstIndex(where: { $0.header == .cseq }), case .cseq(let c) = out[k] { cseqMethod = c.method }
        if isRequest, let m = method, let cm = cseqMethod, cm != m {
            let i = fields.firstIndex { $0.header == .cseq } ?? 0
            throw located("CSeq method \(cm) does not match Request-Line method \(m)", fields[i].value.lowerBound,
                          header: "CSeq")
        }
        return out
    }

    /// Parses the message and types every header: the strict, eager path.
    public static func parseStrict(_ bytes: [UInt8], limits: ParseLimits = .default) throws(SIPParseError) -> (SIPMessage, [TypedHeader]) {
        let m = try SIPMessage(parsing: bytes, limits: limits)
        return (m, try m.validate())
    }

    func located(_ rule: String, _ offset: Int, header: String? = nil) -> SIPParseError {
        storage.withUnsafeBufferPointer { RawError(rule, offset, header: header).located(in: $0, from: messageStart) }
    }

    private func checkRequestURI() throws(SIPParseError) {
        let r = startLine.uri
        let result: Result<URI, SIPParseError> = storage.withUnsafeBufferPointer { p in
            var s = ByteScanner(p, r)
            do throws(HeaderSyntaxError) {
                return .success(try s.uri(until: r.upperBound))
            } catch {
                return .failure(RawError("malformed Request-URI: \(error.rule)", r.lowerBound + error.offset)
                    .located(in: p, from: messageStart))
            }
        }
        let uri = try result.get()
        if case .sip(let u) = uri, !u.headers.isEmpty {
            throw located("Request-URI contains URI headers ('?\(u.headers[0].name)=...'), which RFC 3261 §19.1.1 forbids there",
                          r.lowerBound)
        }
    }

    func typedField(_ i: Int) throws(SIPParseError) -> TypedHeader {
        let f = fields[i]
        switch f.header {
        case .via: return .via(try scanField(i, Via.self))
        case .from, .to, .route, .recordRoute, .path, .serviceRoute, .pAssertedIdentity, .pPreferredIdentity,
             .pAssociatedURI, .pCalledPartyID, .pServedUser, .replyTo, .referTo, .referredBy:
            return .address(f.header, try scanField(i, AddressValue.self))
        case .contact: return .contact(try scanField(i, ContactValue.self))
        case .cseq: return .cseq(try scanSingle(i, CSeq.self))
        case .callID: return .callID(try scanSingle(i, CallID.self))
        case .maxForwards: return .maxForwards(try scanSingle(i, MaxForwards.self))
        case .expires, .minExpires, .retryAfter, .rseq, .minSE, .sessionExpires:
            return .numeric(f.header, try scanSingle(i, Numeric.self))
        case .require, .proxyRequire, .supported, .unsupported, .allow, .contentEncoding, .allowEvents,
             .acceptEncoding, .contentLanguage, .acceptLanguage:
            return .tokens(f.header, try scanField(i, OptionTag.self))
        case .contentType, .accept: return .mediaTypes(f.header, try scanField(i, MediaType.self))
        case .date: return .date(try scanSingle(i, SIPDate.self))
        case .warning: return .warnings(try scanField(i, Warning.self))
        case .subject, .userAgent, .server, .organization, .timestamp, .priority, .mimeVersion, .inReplyTo:
            return .text(f.header, try scanSingle(i, TextValue.self))
        case .contentLength: return .contentLength(bodyRange.count)
        case .wwwAuthenticate, .proxyAuthenticate: return .challenge(f.header, try scanSingle(i, Challenge.self))
        case .authorization, .proxyAuthorization: return .credentials(f.header, try scanSingle(i, Credentials.self))
        case .authenticationInfo: return .authenticationInfo(try scanSingle(i, AuthenticationInfo.self))
        case .securityClient, .securityServer, .securityVerify:
            return .security(f.header, try scanField(i, SecurityMechanism.self))
        case .privacy: return .privacy(try scanSingle(i, Privacy.self))
        case .identity: return .identity(try scanSingle(i, IdentityValue.self))
        case .pChargingVector: return .chargingVector(try scanSingle(i, ChargingVector.self))
        case .pAccessNetworkInfo: return .accessNetworkInfo(try scanField(i, AccessNetworkInfo.self))
        case .pVisitedNetworkID: return .visitedNetworkID(try scanField(i, VisitedNetworkID.self))
        case .attestationInfo: return .attestationInfo(try scanSingle(i, AttestationInfo.self))
        case .originationID: return .originationID(try scanSingle(i, OriginationID.self))
        case .callInfo: return .callInfo(try scanField(i, CallInfo.self))
        case .reason: return .reason(try scanField(i, ReasonValue.self))
        case .featureCaps: return .featureCaps(try scanField(i, FeatureCap.self))
        default:
            let start = f.line.lowerBound
            return .other(RawHeader(line: ByteSpan(storage, f.line), nameEnd: Int32(f.name.count),
                                    valueRange: OffsetRange(f.value.lowerBound - start..<f.value.upperBound - start)))
        }
    }


}
