#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Identity
import SIPCore

/// What IMS data channel m-lines a UE puts in its INVITE offer (TS 26.114 §6.2.10, TS 24.186).
public struct DataChannelOffer: Sendable, Hashable {
    /// Local bootstrap DC: `dcmap` 0 and 10.
    public var bootstrap: Bool
    /// A remote bootstrap DC (`dcmap` 100/110) the UE writes itself: only the network (MF) may
    /// provide one, so this is a faked BDC (DOMAIN §8 #36).
    public var remoteBootstrap: Bool
    /// Application DCs, one m-line each: `dcmap` 1000+i with `a=3gpp-req-app:<app>`.
    public var apps: [String]
    /// `a=fingerprint` (sha-256) of the UE's DTLS certificate, bound to STIR by `mky`.
    public var fingerprint: String

    public static let defaultFingerprint =
        "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1"

    public init(bootstrap: Bool = true, remoteBootstrap: Bool = false, apps: [String] = [],
                fingerprint: String = DataChannelOffer.defaultFingerprint) {
        self.bootstrap = bootstrap
        self.remoteBootstrap = remoteBootstrap
        self.apps = apps
        self.fingerprint = fingerprint
    }

    /// The offer's DC m-lines (each with its attributes), CRLF-terminated.
    public var mediaText: String {
        var s = ""
        var port = 52718
        func head() -> String {
            defer { port += 2 }
            return "m=application \(port) UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\na=max-message-size:1024\r\n"
                + "a=setup:actpass\r\na=fingerprint:sha-256 \(fingerprint)\r\n"
        }
        if bootstrap { s += head() + "a=dcmap:0 subprotocol=\"http\"\r\na=dcmap:10 subprotocol=\"http\"\r\n" }
        if remoteBootstrap {
            s += head() + "a=dcmap:100 subprotocol=\"http\"\r\na=dcmap:110 subprotocol=\"http\"\r\na=3gpp-bdc-used-by:sender\r\n"
        }
        for (i, app) in apps.enumerated() {
            s += head() + "a=dcmap:\(1000 + i) subprotocol=\"http\"\r\na=3gpp-req-app:\(app)\r\n"
        }
        return s
    }

    /// A complete SDP offer: one audio stream plus these DC m-lines.
    public func sdp(host: String) -> String {
        SessionDescription.offer(host: host, dataChannel: false) + mediaText
    }
}

/// Data channel facts read from SIP bodies: for rules, tests and scenario assertions.
public enum DataChannelSDP {
    /// The SDP offer a UE sends for `options` (the rich DC offer when given).
    static func offer(host: String, options: CallOptions) -> String {
        if let dc = options.dataChannelOffer { return dc.sdp(host: host) }
        return SessionDescription.offer(host: host, dataChannel: options.dataChannel)
    }

    /// The SDP of a message with an `application/sdp` body (nil otherwise or when it does not parse).
    public static func sdp(of m: SIPMessage) -> SDP? {
        guard !m.body.isEmpty, m.value("Content-Type")?.lowercased().hasPrefix("application/sdp") ?? true else { return nil }
        return try? SDP(parsing: m.body)
    }

    /// DC m-lines offered with a non-zero port (a refused stream keeps its m-line with port 0).
    public static func activeDataChannels(in m: SIPMessage) -> [SDPMedia] {
        (sdp(of: m)?.media ?? []).filter { $0.isDataChannel && $0.port != 0 }
    }

    /// Every DC m-line, refused ones included.
    public static func dataChannels(in m: SIPMessage) -> [SDPMedia] {
        (sdp(of: m)?.media ?? []).filter(\.isDataChannel)
    }

    static func isRemoteBootstrap(_ media: SDPMedia) -> Bool {
        media.dataChannels.contains { $0.streamID == 100 || $0.streamID == 110 } || media.bdcUsedBy != nil
    }

    static func isApplication(_ media: SDPMedia) -> Bool {
        media.dataChannels.contains { $0.streamID >= 1000 } || !media.requestedApps.isEmpty
    }

    private static let fingerprintName = Array("fingerprint".utf8)

    /// RFC 8225 §5.2.2 `mky`: the DTLS fingerprints of the SDP, as `[{alg, dig}]`.
    public static func mky(of m: SIPMessage) -> JSONValue? {
        // Most offers carry no fingerprint: a byte search spares parsing the SDP.
        guard m.bodyContains(Self.fingerprintName), let sdp = sdp(of: m) else { return nil }
        let prints = sdp.fingerprints + sdp.media.flatMap(\.fingerprints)
        guard !prints.isEmpty else { return nil }
        var seen = Set<SDPFingerprint>()
        let unique = prints.filter { seen.insert(SDPFingerprint(hashFunction: $0.hashFunction.lowercased(), value: $0.value.uppercased())).inserted }
        return .array(unique.map { .object(["alg": .string($0.hashFunction.lowercased()), "dig": .string($0.value.uppercased())]) })
    }
}

/// IMS AS data channel authorisation (TS 24.186 §9.3.2.2.1, DOMAIN §6): the served user's DC
/// subscription decides whether DC m-lines may pass towards the S-CSCF. Served user: the
/// asserted caller (originating session case).
struct AuthoriseDataChannel: ProxyRule {
    let name = "AuthoriseDataChannel"

    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.method == "INVITE", x.isInitial, var sdp = DataChannelSDP.sdp(of: x.request) else { return }
        let dcIndices = sdp.media.indices.filter { sdp.media[$0].isDataChannel && sdp.media[$0].port != 0 }
        guard !dcIndices.isEmpty else { return }
        let p = e.policy
        let served = x.request.nameAddresses(.pAssertedIdentity).first?.uri.description
            ?? x.request.headerValue(AddressValue.self, .from)?.uri.description
        let subscriber = served.flatMap { e.ctx.subscriber(owning: $0) }
        let apps = subscriber?.dataChannelApps ?? []
        var changed: [String] = []

        // Rule 1: no DC subscription at all.
        if p.bool("authorise_dc"), apps.isEmpty {
            if p.string("dc_unauthorised_action") == "reject" {
                e.note(name, "\(served ?? "?") has no data channel subscription: 488")
                x.reject(488, "Not Acceptable Here")
                return
            }
            for i in dcIndices.reversed() { _ = sdp.removeMedia(at: i) }
            changed.append("removed \(dcIndices.count) DC m-line(s): \(served ?? "?") has no DC subscription")
        } else {
            // Rule 2: a remote BDC comes from the network (MF), never from the UE.
            if p.bool("remove_ue_remote_bdc") {
                let fake = dcIndices.filter { DataChannelSDP.isRemoteBootstrap(sdp.media[$0]) }
                for i in fake.reversed() { _ = sdp.removeMedia(at: i) }
                if !fake.isEmpty { changed.append("removed \(fake.count) UE-supplied remote BDC m-line(s) (dcmap 100/110)") }
            }
            // Rule 3: application DCs only for applications in the subscription.
            if p.bool("authorise_dc_apps") {
                for i in sdp.media.indices where sdp.media[i].isDataChannel && sdp.media[i].port != 0 && DataChannelSDP.isApplication(sdp.media[i]) {
                    let requested = sdp.media[i].requestedApps
                    let unlisted = requested.isEmpty ? ["(no 3gpp-req-app)"] : requested.filter { !apps.contains($0) }
                    guard !unlisted.isEmpty else { continue }
                    if p.string("dc_unlisted_app_action") == "reject" {
                        e.note(name, "application DC for \(unlisted.joined(separator: ",")) not in the subscription: 488")
                        x.reject(488, "Not Acceptable Here")
                        return
                    }
                    sdp.media[i].setPort(0)
                    changed.append("application DC \(unlisted.joined(separator: ",")) not in the subscription: port 0")
                }
            }
        }
        guard !changed.isEmpty else {
            e.note(name, "data channel offer of \(served ?? "?") authorised")
            return
        }
        x.request.setBody(sdp.serializedBytes)
        for c in changed {
            x.changes.append("\(name) \(c)")
            e.note(name, c)
        }
    }
}

/// Terminating check of `mky` (RFC 8224 §12, RFC 8225 §5.2.2): the DTLS fingerprints in the SDP
/// must be the ones the originator signed; a fingerprint changed in transit gives 438.
struct CheckMediaKey: ProxyRule {
    let name = "CheckMediaKey"

    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.method == "INVITE", x.isInitial else { return }
        for value in x.request.values(.identity) {
            let jws = Self.jws(of: value)
            guard let signed = Self.signedMky(jws, decoded: x.decodedPayloads) else { continue }
            let actual = DataChannelSDP.mky(of: x.request)
            let signedSet = Set((signed.arrayValue ?? []).map(\.canonicalString))
            let actualSet = Set((actual?.arrayValue ?? []).map(\.canonicalString))
            if signedSet != actualSet {
                e.note(name, "a=fingerprint in the SDP does not match the signed mky: 438")
                x.reject(438, "Invalid Identity Header")
                return
            }
            e.note(name, "SDP fingerprints match the signed mky")
        }
    }
}

extension CheckMediaKey {
    /// The JWS of an Identity field value: up to the first ';' (base64url and '.' never contain
    /// one), found with memchr (a token is hundreds of bytes); the whole value when it has none.
    static func jws(of value: String) -> String {
        var whole = value
        return whole.withUTF8 { b -> String? in
            guard let base = b.baseAddress, let hit = memchr(base, Int32(UInt8(ascii: ";")), b.count) else { return nil }
            let cut = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            return String(decoding: UnsafeBufferPointer(rebasing: b[..<cut]), as: UTF8.self)
        } ?? value
    }

    /// The `mky` claim of a full-form `jws`: from the payload the verifier decoded for the same
    /// JWS text, else decoded here.
    static func signedMky(_ jws: String, decoded: [(jws: String, payload: JSONValue)]) -> JSONValue? {
        if let known = decoded.first(where: { $0.jws == jws }) { return known.payload["mky"] }
        return decodedMky(jws)
    }

    /// The `mky` claim of a full-form `jws`, decoded from its payload segment.
    static func decodedMky(_ jws: String) -> JSONValue? {
        guard let parts = try? JWSParts(jws), !parts.isCompactForm,
              let payloadBytes = try? Base64URL.decode(parts.payloadSegment), mayHoldMky(payloadBytes) else { return nil }
        return (try? JSONValue.parse(payloadBytes))?["mky"]
    }

    /// Whether decoded payload bytes can hold an `mky` member: its key is spelled out, or
    /// written with a `\` escape. A payload with neither (most calls) is not parsed.
    static func mayHoldMky(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                if b[i] == UInt8(ascii: "\\") { return true }
                if b[i] == UInt8(ascii: "m"), i + 2 < b.count, b[i + 1] == UInt8(ascii: "k"), b[i + 2] == UInt8(ascii: "y") { return true }
                i += 1
            }
            return false
        }
    }
}

extension TraceEvent {
    /// DC m-lines (any port) in this event's SIP body; empty for other events.
    public var dataChannelMedia: [SDPMedia] { message.map(DataChannelSDP.dataChannels(in:)) ?? [] }
}
