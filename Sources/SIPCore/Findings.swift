/// Semantic checks over a well-formed message: what a receiving element should act on
/// (RFC 3261 §8.2, §16.3, §20; RFC 4475 §3.2–3.4). None of these stops parsing.
extension SIPMessage {
    /// Option tags this harness treats as understood when judging Require/Proxy-Require.
    public static let knownOptionTags: Set<String> = [
        "100rel", "timer", "path", "sec-agree", "precondition", "replaces", "gruu", "outbound", "norefersub",
        "histinfo", "resource-priority", "join", "tdialog", "eventlist", "answermode", "199", "from-change",
        "recipient-list-invite", "recipient-list-subscribe", "recipient-list-message", "multiple-refer", "pref",
        "record-aware", "siprec", "sdp-anat", "early-session", "ice", "explicitsub", "nosub", "uui", "privacy",
    ]

    /// Body types the harness understands (anything else draws a 415 finding).
    public static let knownBodyTypes: Set<String> = [
        "application/sdp", "multipart/mixed", "multipart/related", "multipart/alternative", "text/plain",
        "message/sipfrag", "message/sip", "application/pidf+xml", "application/dtmf-relay", "application/isup",
        "application/vnd.3gpp.sms", "application/vnd.3gpp.ussd+xml", "application/3gpp-ims+xml",
        "application/vnd.etsi.mcid+xml", "application/vnd.3gpp.mid-call+xml", "application/reginfo+xml",
        "application/simple-message-summary", "application/pkcs7-mime", "application/resource-lists+xml",
        "application/vnd.3gpp.access-transfer-events+xml", "application/vnd.3gpp.state-and-event-info+xml",
    ]

    static let knownURIParameters: Set<String> = [
        "transport", "user", "method", "ttl", "maddr", "lr", "ob", "gr", "sigcomp-id", "comp", "tgrp", "trunk-context",
    ]

    /// Every finding, in a stable order.
    public func findings() -> [Finding] {
        var out: [Finding] = []
        framingFindings(&out)
        mandatoryHeaderFindings(&out)
        viaFindings(&out)
        uriFindings(&out)
        extensionFindings(&out)
        bodyFindings(&out)
        identityFindings(&out)
        return out
    }

    private func framingFindings(_ out: inout [Finding]) {
        for note in framingNotes { out.append(Finding(.warning, note)) }
        if trailingByteCount > 0 {
            out.append(Finding(.info, "\(trailingByteCount) octets after the Content-Length body ignored"))
        }
    }

    private func mandatoryHeaderFindings(_ out: inout [Finding]) {
        var required: [KnownHeader] = [.callID, .from, .to, .cseq, .via]
        if isRequest { required.append(.maxForwards) }
        let missing = required.filter { !contains($0) }
        if !missing.isEmpty {
            out.append(Finding(.warning, "missing mandatory header field\(missing.count > 1 ? "s" : ""): "
                + missing.map(\.name).joined(separator: ", ") + (isRequest ? " (400 Bad Request)" : "")))
        }
        var seen: [KnownHeader: Int] = [:]
        for f in fields where f.header.isSingleton { seen[f.header, default: 0] += 1 }
        for h in KnownHeader.allCases where (seen[h] ?? 0) > 1 {
            let why = h == .contentLength ? " (framing is ambiguous; 400, and close a stream connection)" : " (400 Bad Request)"
            out.append(Finding(.warning, "\(seen[h]!) \(h.name) header fields where one is allowed\(why)", header: h.name))
        }
        if isRequest, let mf = headerValue(MaxForwards.self), mf.hops == 0 {
            out.append(Finding(.info, "Max-Forwards is 0: a proxy answers 483 Too Many Hops; a UAS processes it", header: "Max-Forwards"))
        }
        if !contains(.contentLength) {
            out.append(Finding(.info, "no Content-Length (required on stream transports)", header: "Content-Length"))
        }
    }

    private func viaFindings(_ out: inout [Finding]) {
        guard let vias = try? headerValues(Via.self) else { return }
        for (n, via) in vias.enumerated() {
            let which = n == 0 ? "top Via" : "Via #\(n + 1)"
            if let branch = via.branch {
                if branch == Via.magicCookie {
                    out.append(Finding(.warning, "\(which) branch is only the z9hG4bK magic cookie (not unique; use RFC 2543 transaction matching)", header: "Via"))
                } else if !via.hasMagicCookie {
                    out.append(Finding(.warning, "\(which) branch '\(abbreviated(branch))' lacks the z9hG4bK magic cookie (RFC 2543 transaction matching)", header: "Via"))
                }
            } else if n == 0 {
                out.append(Finding(.warning, "top Via has no branch parameter (RFC 2543 transaction matching)", header: "Via"))
            }
            if via.host == "255.255.255.255" || via.received == "255.255.255.255" || via.maddr == "255.255.255.255" {
                out.append(Finding(.warning, "\(which) sent-by is the broadcast address 255.255.255.255 (discard)", header: "Via"))
            }
            if via.protocolVersion != "2.0" {
                out.append(Finding(.warning, "\(which) carries SIP version \(via.protocolVersion)", header: "Via"))
            }
        }
    }

    private func uriFindings(_ out: inout [Finding]) {
        if isRequest, let uri = requestURI {
            switch uri {
            case .sip, .tel: break
            case .other(let scheme, _):
                out.append(Finding(.warning, "unsupported URI scheme '\(scheme)' in the Request-URI (416 Unsupported URI Scheme)"))
            }
        }
        for h in [KnownHeader.from, .to] {
            if let a = headerValue(AddressValue.self, h), case .other(let scheme, _) = a.uri {
                out.append(Finding(.warning, "\(h.name) URI has unsupported scheme '\(scheme)'", header: h.name))
            }
        }
        for c in (try? headerValues(ContactValue.self)) ?? [] {
            guard let a = c.address else { continue }
            switch a.uri {
            case .other(let scheme, _):
                out.append(Finding(.warning, "Contact URI has unsupported scheme '\(scheme)'", header: "Contact"))
            case .sip(let u):
                for p in u.parameters where !Self.knownURIParameters.contains(percentDecode(p.name).lowercased()) {
                    out.append(Finding(.info, "Contact URI parameter '\(abbreviated(p.name))' is not a standard SIP URI parameter (kept in the binding)", header: "Contact"))
                }
                if !u.headers.isEmpty {
                    out.append(Finding(.info, "Contact URI carries escaped URI headers (\(u.headers.map(\.name).joined(separator: ", "))) for requests sent to it", header: "Contact"))
                }
                if !a.address.angleBrackets, !a.parameters.isEmpty {
                    let names = a.parameters.map(\.name).joined(separator: ", ")
                    out.append(Finding(.info, "Contact is an addr-spec, so ';\(names)' are Contact header parameters, not URI parameters", header: "Contact"))
                }
            case .tel: break
            }
        }
    }

    private func extensionFindings(_ out: inout [Finding]) {
        for h in [KnownHeader.require, .proxyRequire] {
            let tags = ((try? headerValues(OptionTag.self, h)) ?? []).map(\.value)
            let unknown = tags.filter { !Self.knownOptionTags.contains($0.lowercased()) }
            if !unknown.isEmpty {
                let code = h == .require ? "420 Bad Extension at a UAS" : "420 Bad Extension at a proxy"
                out.append(Finding(.warning, "\(h.name) lists unsupported extension\(unknown.count > 1 ? "s" : "") \(unknown.joined(separator: ", ")) (\(code), with Unsupported)", header: h.name))
            }
        }
        for value in values(.authorization) + values(.proxyAuthorization) {
            let scheme = value.prefix { $0 != " " && $0 != "\t" }
            if scheme.lowercased() != "digest" {
                out.append(Finding(.warning, "Authorization uses unknown scheme '\(scheme)' (a registrar answers 401; a non-registrar UAS may answer 405)", header: "Authorization"))
            }
        }
    }

    private func identityFindings(_ out: inout [Finding]) {
        for h in [KnownHeader.pAssertedIdentity, .pPreferredIdentity] where contains(h) {
            guard let values = try? headerValues(AddressValue.self, h) else { continue }
            if let problem = validateAssertedIdentities(values, header: h) {
                out.append(Finding(.warning, problem, header: h.name))
            }
        }
    }

    private func bodyFindings(_ out: inout [Finding]) {
        let type = headerValue(MediaType.self, .contentType)
        if bodyCount > 0 {
            if let type {
                if !Self.knownBodyTypes.contains(type.mimeType) {
                    out.append(Finding(.warning, "body type \(type.mimeType) is not understood (415 Unsupported Media Type, with Accept)", header: "Content-Type"))
                }
            } else {
                out.append(Finding(.warning, "body of \(bodyCount) octets without Content-Type", header: "Content-Type"))
            }
        }
        if isRequest, contains(.accept), let type, type.mimeType == "application/sdp" {
            let accepted = (try? headerValues(MediaType.self, .accept)) ?? []
            if !accepted.contains(where: { $0.matches(type) }) {
                out.append(Finding(.warning, "Accept does not allow application/sdp, yet the offer is SDP: no acceptable answer (406 Not Acceptable)", header: "Accept"))
            }
        }
    }
}

/// Keeps findings readable when a value is hostile or huge.
func abbreviated(_ s: String, _ limit: Int = 48) -> String {
    s.count <= limit ? s : String(s.prefix(limit)) + "..."
}
