import Crypto
import Identity
import NIOCore
import SIPCore

/// The load flow's PASSporT signer. Per call the claims differ only in `iat` and `origid`, so the
/// canonical header, its base64url, its SHA-256 state and the JSON around those two values are
/// made once from the Identity library's own encoders; per call the payload is filled in,
/// base64url-encoded straight into the outgoing datagram and signed with a fresh ES256 signature.
struct LoadSigner {
    let key: P256.Signing.PrivateKey
    /// `b64u(canonical header) "."`.
    let headerSegment: [UInt8]
    /// SHA-256 after `headerSegment`: every signing input starts with it.
    let headerHash: SHA256
    /// Canonical payload JSON up to the `iat` digits, between them and the `origid` value, after it.
    let payloadHead: [UInt8], payloadMiddle: [UInt8], payloadTail: [UInt8]
    /// `;info=<x5u>;alg=ES256;ppt=shaken` as `IdentityValue` writes it.
    let parameters: [UInt8]
    /// Payload scratch, reused (the worker is single-threaded).
    private var payload: [UInt8] = []

    static let origidPrefix = Array("00000000-0000-4000-8000-".utf8)

    init(_ signer: PASSporTSigner, callerTN: String, calleeTN: String) throws {
        key = signer.key
        let ppt = SHAKEN.ppt
        headerSegment = Array((Base64URL.encode(signer.header(ppt: ppt).json.canonicalBytes) + ".").utf8)
        var h = SHA256()
        h.update(data: headerSegment)
        headerHash = h

        // Split the library's canonical payload at sentinel values, then check the split rebuilds it.
        let sentinelIat: Int64 = 987_654_321_012
        let sentinelOrigid = Self.origid(0x0FED_CBA9_8765)
        let claims = Self.claims(callerTN, calleeTN, iat: sentinelIat, origid: sentinelOrigid)
        let problems = claims.problems(ppt: ppt)
        guard problems.isEmpty else { throw LoadError.setup("cannot sign: " + problems.map(\.description).joined(separator: "; ")) }
        let bytes = claims.json.canonicalBytes
        let iatKey = Array("\"iat\":\(sentinelIat)".utf8), origidKey = Array("\"origid\":\"\(sentinelOrigid)\"".utf8)
        guard let i = bytes.firstRange(of: iatKey), let o = bytes.firstRange(of: origidKey), i.upperBound <= o.lowerBound else {
            throw LoadError.setup("cannot sign: unexpected canonical PASSporT payload layout")
        }
        payloadHead = Array(bytes[..<(i.lowerBound + iatKey.count - String(sentinelIat).utf8.count)])
        payloadMiddle = Array(bytes[i.upperBound..<(o.upperBound - sentinelOrigid.utf8.count - 1)])
        payloadTail = Array(bytes[(o.upperBound - 1)...])
        parameters = Array(IdentityValue(jws: "", info: signer.x5u, alg: ES256.name, ppt: ppt).description.utf8)
        payload.reserveCapacity(bytes.count + 32)

        var check = self
        check.fillPayload(iat: 1_700_000_000, slot: 0x1_0000_0002)
        guard check.payload == Self.claims(callerTN, calleeTN, iat: 1_700_000_000, origid: Self.origid(0x1_0000_0002)).json.canonicalBytes else {
            throw LoadError.setup("cannot sign: payload template does not match the canonical PASSporT")
        }
        for sample in [check.payload, Array(0..<64), [0xFB, 0xFF], [0xFF]] as [[UInt8]] {
            var b = ByteBuffer()
            Self.writeBase64URL(sample, into: &b)
            guard b.readString(length: b.readableBytes) == Base64URL.encode(sample) else {
                throw LoadError.setup("cannot sign: base64url writer disagrees with the Identity library")
            }
        }
    }

    static func claims(_ orig: String, _ dest: String, iat: Int64, origid: String) -> PASSporTClaims {
        PASSporTClaims(orig: .tn(orig), dest: PASSporTDestination(tn: [dest]), iat: iat, attest: SHAKEN.Attestation.a.rawValue, origid: origid)
    }

    /// A UUID-shaped origid unique per call slot (12 hex digits).
    static func origid(_ slot: UInt64) -> String {
        let hex = String(slot, radix: 16)
        return String(decoding: origidPrefix, as: UTF8.self) + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }

    private mutating func fillPayload(iat: Int64, slot: UInt64) {
        payload.removeAll(keepingCapacity: true)
        payload.append(contentsOf: payloadHead)
        payload.append(contentsOf: String(iat).utf8)
        payload.append(contentsOf: payloadMiddle)
        payload.append(contentsOf: Self.origidPrefix)
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        for shift in stride(from: 44, through: 0, by: -4) { payload.append(hex[Int((slot >> UInt64(shift)) & 0xF)]) }
        payload.append(contentsOf: payloadTail)
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Unpadded base64url (RFC 7515 §2) straight into the datagram, no intermediate String;
    /// checked against `Base64URL.encode` at init.
    static func writeBase64URL<C: Collection<UInt8>>(_ bytes: C, into buf: inout ByteBuffer) {
        let n = bytes.count
        buf.writeWithUnsafeMutableBytes(minimumWritableBytes: (n + 2) / 3 * 4) { out in
            alphabet.withUnsafeBufferPointer { a in
                var o = 0, acc: UInt32 = 0, bits = 0
                for b in bytes {
                    acc = acc << 8 | UInt32(b)
                    bits += 8
                    while bits >= 6 {
                        bits -= 6
                        out[o] = a[Int((acc >> UInt32(bits)) & 63)]
                        o += 1
                    }
                }
                if bits > 0 {
                    out[o] = a[Int((acc << UInt32(6 - bits)) & 63)]
                    o += 1
                }
                return o
            }
        }
    }

    /// Appends the Identity header value `header.payload.signature;info=...;alg=ES256;ppt=shaken`.
    mutating func writeIdentity(into buf: inout ByteBuffer, iat: Int64, slot: UInt64) throws {
        fillPayload(iat: iat, slot: slot)
        buf.writeBytes(headerSegment)
        let payloadStart = buf.writerIndex
        Self.writeBase64URL(payload, into: &buf)
        var h = headerHash
        let offset = payloadStart - buf.readerIndex
        buf.withUnsafeReadableBytes { p in h.update(bufferPointer: UnsafeRawBufferPointer(rebasing: p[offset...])) }
        let signature = try key.signature(for: h.finalize())
        buf.writeInteger(UInt8(ascii: "."))
        Self.writeBase64URL(signature.rawRepresentation, into: &buf)
        buf.writeBytes(parameters)
    }
}
