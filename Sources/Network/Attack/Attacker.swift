import Identity
import SIPCore

/// Applies the attacks attached so far to every message that travels (the transport's tap).
final class AttackEngine {
    private var attacks: [(action: AttackAction, seen: Int)] = []
    let ctx: NetworkContext

    init(ctx: NetworkContext) { self.ctx = ctx }

    func add(_ a: AttackAction) { attacks.append((a, 0)) }

    func intercept(_ packet: Packet, _ link: SimulatedLink) -> [Packet] {
        if attacks.isEmpty { return [packet] }
        var out = [packet]
        let message = packet.parsed ?? (try? SIPMessage(parsing: packet.bytes))
        for i in attacks.indices {
            let a = attacks[i].action
            guard matches(a.match, packet, message, link) else { continue }
            attacks[i].seen += 1
            if let nth = a.match.nth, nth != attacks[i].seen { continue }
            out = apply(a, to: out, link: link)
        }
        return out
    }

    private func matches(_ m: MessageMatch, _ p: Packet, _ msg: SIPMessage?, _ link: SimulatedLink) -> Bool {
        if let l = m.link, l != link.name, l != "\(link.spec.b)<->\(link.spec.a)" { return false }
        if let f = m.from, f != p.from { return false }
        if let t = m.to, t != p.to { return false }
        if m.method != nil || m.status != nil || m.requestsOnly {
            guard let msg else { return false }
            if m.requestsOnly, !msg.isRequest { return false }
            if let s = m.status, msg.statusCode != s { return false }
            if let method = m.method {
                let actual = msg.method ?? msg.cseqValue?.method
                if actual?.uppercased() != method.uppercased() { return false }
            }
        }
        return true
    }

    private func record(_ p: Packet, _ link: SimulatedLink, _ note: String) {
        ctx.trace.record(ctx.scheduler.nowMs, .attacker, from: p.from, to: p.to, link: link.name, transport: link.spec.transport,
                         bytes: p.bytes, note: note)
    }

    private func apply(_ a: AttackAction, to packets: [Packet], link: SimulatedLink) -> [Packet] {
        var result: [Packet] = []
        for var p in packets {
            switch a.kind {
            case .observe:
                record(p, link, "attacker observed")
                result.append(p)
            case .drop:
                record(p, link, AttackAction.droppedNote)
            case .delay(let ms):
                p.extraDelayMs += ms
                p.note = "delayed \(ms) ms by attacker"
                record(p, link, "attacker delayed the message by \(ms) ms")
                result.append(p)
            case .duplicate:
                record(p, link, "attacker duplicated the message")
                result.append(p)
                var copy = p
                copy.note = "duplicate sent by attacker"
                result.append(copy)
            case .replay(let ms):
                result.append(p)
                var copy = p
                copy.extraDelayMs += ms
                copy.note = "replayed by attacker after \(ms) ms"
                record(p, link, "attacker will replay the message after \(ms) ms")
                result.append(copy)
            default:
                guard var m = p.parsed ?? (try? SIPMessage(parsing: p.bytes)) else {
                    result.append(p)
                    continue
                }
                let what = modify(&m, a.kind)
                if let raw = what.raw { p.bytes = raw } else { p.bytes = m.bytes }
                p.note = "modified by attacker: \(what.note)"
                record(p, link, "attacker \(a.name): \(what.note)")
                result.append(p)
            }
        }
        return result
    }

    /// Edits the message; `raw` is set when the result is bytes a SIPMessage cannot hold (CRLF).
    private func modify(_ m: inout SIPMessage, _ kind: AttackKind) -> (note: String, raw: [UInt8]?) {
        switch kind {
        case .setHeader(let n, let v):
            m.setHeader(n, v)
            return ("set \(n): \(v)", nil)
        case .removeHeader(let n):
            return ("removed \(m.removeHeader(n)) \(n) field(s)", nil)
        case .duplicateHeader(let n):
            guard let v = m.value(n) else { return ("no \(n) to duplicate", nil) }
            m.addHeader(n, v)
            return ("duplicated \(n)", nil)
        case .changeRequestURI(let u):
            m.setRequestLine(uri: u)
            return ("Request-URI -> \(u)", nil)
        case .setBody(let b):
            m.setBody(Array(b.utf8))
            return ("body replaced (\(b.utf8.count) bytes)", nil)
        case .setParameter(let h, let n, let v):
            guard var value = m.values(h).first else { return ("no \(h)", nil) }
            value = Self.setParameter(value, n, v)
            var all = m.values(h)
            all[0] = value
            m.setHeader(h, values: all)
            return ("\(h) parameter \(n) -> \(v ?? "(removed)")", nil)
        case .injectCRLF(let h, let injected):
            let text = m.text
            let lines = text.components(separatedBy: "\r\n")
            guard let i = lines.firstIndex(where: { $0.lowercased().hasPrefix(h.lowercased() + ":") }) else { return ("no \(h)", nil) }
            var copy = lines
            copy[i] += "\r\n" + injected
            return ("CRLF + '\(injected)' injected after \(h)", Array(copy.joined(separator: "\r\n").utf8))
        case .signWith(let cred, let overrides):
            return signWith(&m, cred, overrides)
        case .tamperIdentity(let part):
            return (tamper(&m, part), nil)
        default:
            return ("", nil)
        }
    }

    static func setParameter(_ value: String, _ name: String, _ newValue: String?) -> String {
        var parts = value.components(separatedBy: ";")
        let head = parts.removeFirst()
        let key = name.lowercased()
        parts.removeAll { p in
            let n = p.split(separator: "=", maxSplits: 1).first.map { Substring($0).trimmingCharacters(in: " ") } ?? ""
            return n.lowercased() == key
        }
        if let newValue { parts.append("\(name)=\(newValue)") }
        return ([head] + parts).joined(separator: ";")
    }

    private func signWith(_ m: inout SIPMessage, _ cred: SigningCredential, _ o: PASSporTOverrides) -> (note: String, raw: [UInt8]?) {
        guard var signer = ctx.pki.signer(cred.pkiName) else { return ("no credential \(cred.rawValue)", nil) }
        if let url = o.x5u { signer = PASSporTSigner(key: signer.key, x5u: url) }
        let facts = OriginatingFacts(m)
        guard let orig = facts.orig, let dest = facts.dest else { return ("no identity to sign", nil) }
        let iat = (m.headerValue(SIPDate.self)?.secondsSince1970 ?? ctx.unixNow) + (o.iatOffset ?? 0)
        if !m.contains(.date) || o.iatOffset != nil { m.setHeader("Date", SIPDate(secondsSince1970: iat).description) }
        var origid: String? = "0f3a6f4e-1b2c-4d5e-8f90-\(ctx.random.hex(12))"
        if let id = o.origid { origid = id.isEmpty ? nil : id }
        var claims = PASSporTClaims(orig: orig, dest: dest, iat: iat, attest: o.attest ?? "A", origid: origid,
                                    rcd: (o.rcdName ?? facts.displayName).map { RichCallData(nam: $0, icn: o.icon, jcd: o.jcd, jcl: o.jcard) })
        // rcdi over the signer's copy of each linked document.
        var signed: [(pointer: String, url: String, body: String)] = []
        if let url = o.icon, let body = o.iconContent { signed.append(("/icn", url, body)) }
        if let url = o.jcard, let body = o.jcardContent { signed.append(("/jcl", url, body)) }
        if let rcd = claims.rcd, !signed.isEmpty,
           case .success(let rcdi) = makeRCDI(rcd: rcd, pointers: signed.map(\.pointer),
                                              contentStore: Dictionary(signed.map { ($0.url, Array($0.body.utf8)) }, uniquingKeysWith: { a, _ in a })) {
            claims.rcdi = rcdi
        }
        // Unchecked: an override may break RFC 8588 on purpose (attest "D", no origid).
        guard let jws = try? signer.signUnchecked(header: signer.header(ppt: SHAKEN.ppt).json, payload: claims.json) else {
            return ("signing failed", nil)
        }
        let value = IdentityValue(jws: jws, info: signer.x5u, alg: ES256.name, ppt: SHAKEN.ppt)
        m.setHeader("Identity", value.description)
        var changed: [String] = []
        if let a = o.attest { changed.append("attest \(a)") }
        if let id = o.origid { changed.append(id.isEmpty ? "no origid" : "origid \(id)") }
        if let n = o.rcdName { changed.append("rcd nam \"\(n)\"") }
        if let u = o.icon { changed.append(o.iconContent == nil ? "rcd icn \(u) without rcdi" : "rcd icn \(u) with rcdi over the signer's copy") }
        if o.jcd != nil { changed.append("rcd jcd inline") }
        if let u = o.jcard { changed.append(o.jcardContent == nil ? "rcd jcl \(u) without rcdi" : "rcd jcl \(u) with rcdi over the signer's copy") }
        if let d = o.iatOffset { changed.append("iat and Date \(d > 0 ? "+" : "")\(d) s") }
        return ("Identity re-signed with the \(cred.rawValue) credential (\(signer.x5u))"
                + (changed.isEmpty ? "" : ", " + changed.joined(separator: ", ")), nil)
    }

    private func tamper(_ m: inout SIPMessage, _ part: IdentityPart) -> String {
        var values = m.values(.identity)
        guard let first = values.first else { return "no Identity to tamper with" }
        let semi = first.firstIndex(of: ";") ?? first.endIndex
        var jws = Array(first[..<semi])
        let params = String(first[semi...])
        let segment = part == .header ? 0 : part == .payload ? 1 : 2
        var dots = [-1]
        for (i, c) in jws.enumerated() where c == "." { dots.append(i) }
        dots.append(jws.count)
        guard segment + 1 < dots.count else { return "Identity has no \(part.rawValue) segment" }
        let lo = dots[segment] + 1, hi = dots[segment + 1]
        guard hi > lo else { return "Identity \(part.rawValue) segment is empty" }
        // Flip a character in the middle (keeps base64url valid, changes the decoded bytes).
        let i = lo + (hi - lo) / 2
        jws[i] = jws[i] == "A" ? "B" : "A"
        values[0] = String(jws) + params
        m.setHeader("Identity", values: values)
        return "Identity \(part.rawValue) altered at offset \(i)"
    }
}
