import COpenSSL
import Foundation
import Testing

/// A libcrypto failure, with OpenSSL's error queue drained into the message.
struct OpenSSLError: Error, CustomStringConvertible {
    var description: String

    /// `what` plus every queued OpenSSL error (the queue is cleared).
    init(_ what: String) {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        description = messages.isEmpty ? what : what + ": " + messages.joined(separator: "; ")
    }
}

/// An owned `EVP_PKEY` (freed on deinit).
final class OpenSSLKey {
    let pointer: OpaquePointer

    /// Takes ownership of `pointer`.
    private init(owning pointer: OpaquePointer) { self.pointer = pointer }

    /// Takes ownership of `pointer` when it is a P-256 EC key (ES256 only); frees it otherwise.
    private static func adopt(_ pointer: OpaquePointer) throws -> OpenSSLKey {
        let type = EVP_PKEY_get_base_id(pointer), bits = EVP_PKEY_get_bits(pointer)
        guard type == EVP_PKEY_EC, bits == 256 else {
            EVP_PKEY_free(pointer)
            throw OpenSSLError("not a P-256 EC key (type \(type), \(bits) bits)")
        }
        return OpenSSLKey(owning: pointer)
    }

    deinit { EVP_PKEY_free(pointer) }

    /// Runs `body` with a read-only memory BIO over `text` (freed afterwards).
    private static func withBIO<T>(_ text: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { throw OpenSSLError("BIO_new_mem_buf") }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    static func publicKey(pem: String) throws -> OpenSSLKey {
        try withBIO(pem) { bio in
            guard let key = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else { throw OpenSSLError("PEM_read_bio_PUBKEY") }
            return try adopt(key)
        }
    }

    /// DER SubjectPublicKeyInfo.
    static func publicKey(der: [UInt8]) throws -> OpenSSLKey {
        try der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let key = d2i_PUBKEY(nil, &cursor, buffer.count) else { throw OpenSSLError("d2i_PUBKEY") }
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                EVP_PKEY_free(key)
                throw OpenSSLError("d2i_PUBKEY left trailing bytes")
            }
            return try adopt(key)
        }
    }

    /// PEM private key (PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY`), unencrypted.
    static func privateKey(pem: String) throws -> OpenSSLKey {
        try withBIO(pem) { bio in
            guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else { throw OpenSSLError("PEM_read_bio_PrivateKey") }
            return try adopt(key)
        }
    }

    /// The DER SubjectPublicKeyInfo libcrypto holds (for a private key: its public half).
    func publicKeyDER() throws -> [UInt8] {
        try derBytes("i2d_PUBKEY") { i2d_PUBKEY(pointer, $0) }
    }

    /// ECDSA with SHA-256 over `message`; returns the DER ECDSA-Sig-Value.
    func signSHA256(_ message: [UInt8]) throws -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw OpenSSLError("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, EVP_sha256(), nil, pointer) == 1 else { throw OpenSSLError("EVP_DigestSignInit") }
        var length = 0
        guard EVP_DigestSign(ctx, nil, &length, message, message.count) == 1, length > 0 else {
            throw OpenSSLError("EVP_DigestSign (size)")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(ctx, &signature, &length, message, message.count) == 1 else { throw OpenSSLError("EVP_DigestSign") }
        return Array(signature.prefix(length))
    }

    /// True when `der` is a valid ECDSA/SHA-256 signature over `message`; false when it is not
    /// (including a signature libcrypto cannot parse); throws only when libcrypto itself fails.
    func verifySHA256(der: [UInt8], over message: [UInt8]) throws -> Bool {
        guard let ctx = EVP_MD_CTX_new() else { throw OpenSSLError("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, EVP_sha256(), nil, pointer) == 1 else { throw OpenSSLError("EVP_DigestVerifyInit") }
        let result = EVP_DigestVerify(ctx, der, der.count, message, message.count)
        // 1 = valid, 0 = mismatch, < 0 = malformed signature or error: all but 1 reject.
        ERR_clear_error()
        return result == 1
    }
}

/// JWS ES256 raw R||S (RFC 7518 §3.4) <-> DER ECDSA-Sig-Value, through libcrypto's ECDSA_SIG.
enum ECDSASignatureCodec {
    static let coordinateSize = 32

    static func rawToDER(_ raw: [UInt8]) throws -> [UInt8] {
        guard raw.count == 2 * coordinateSize else { throw OpenSSLError("raw signature is \(raw.count) bytes, expected 64") }
        guard let r = raw.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, Int32(coordinateSize), nil) }) else {
            throw OpenSSLError("BN_bin2bn(r)")
        }
        guard let s = raw.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress! + coordinateSize, Int32(coordinateSize), nil) }) else {
            BN_free(r)
            throw OpenSSLError("BN_bin2bn(s)")
        }
        guard let sig = ECDSA_SIG_new() else {
            BN_free(r); BN_free(s)
            throw OpenSSLError("ECDSA_SIG_new")
        }
        defer { ECDSA_SIG_free(sig) }
        // On success ECDSA_SIG_set0 takes ownership of r and s; on failure they are still ours.
        guard ECDSA_SIG_set0(sig, r, s) == 1 else {
            BN_free(r); BN_free(s)
            throw OpenSSLError("ECDSA_SIG_set0")
        }
        return try derBytes("i2d_ECDSA_SIG") { i2d_ECDSA_SIG(sig, $0) }
    }

    static func derToRaw(_ der: [UInt8]) throws -> [UInt8] {
        let parsed = der.withUnsafeBufferPointer { buffer -> (OpaquePointer?, Bool) in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let sig = d2i_ECDSA_SIG(nil, &cursor, buffer.count)
            return (sig, cursor == buffer.baseAddress.map { $0 + buffer.count })
        }
        guard let sig = parsed.0 else { throw OpenSSLError("d2i_ECDSA_SIG") }
        defer { ECDSA_SIG_free(sig) }
        guard parsed.1 else { throw OpenSSLError("d2i_ECDSA_SIG left trailing bytes") }
        // get0: borrowed from sig, not freed separately.
        var r: OpaquePointer?
        var s: OpaquePointer?
        ECDSA_SIG_get0(sig, &r, &s)
        guard let r, let s else { throw OpenSSLError("ECDSA_SIG_get0") }
        var raw = [UInt8](repeating: 0, count: 2 * coordinateSize)
        let ok = raw.withUnsafeMutableBufferPointer { buffer in
            BN_bn2binpad(r, buffer.baseAddress, Int32(coordinateSize)) == Int32(coordinateSize)
                && BN_bn2binpad(s, buffer.baseAddress! + coordinateSize, Int32(coordinateSize)) == Int32(coordinateSize)
        }
        guard ok else { throw OpenSSLError("BN_bn2binpad: R or S longer than 32 bytes") }
        return raw
    }
}

/// Runs an OpenSSL `i2d_*` serialiser twice, as its API wants: once for the size, once to write.
func derBytes(_ name: String, _ i2d: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) throws -> [UInt8] {
    let length = i2d(nil)
    guard length > 0 else { throw OpenSSLError("\(name) (size)") }
    var der = [UInt8](repeating: 0, count: Int(length))
    let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
        return i2d(&cursor)
    }
    guard written == length else { throw OpenSSLError("\(name) wrote \(written) of \(length) bytes") }
    return der
}
