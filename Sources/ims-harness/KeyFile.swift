import ArgumentParser
import Crypto

/// Reads a PEM P-256 private key (PKCS#8 or SEC1) for signing; a clear message and exit 1
/// when the file is missing or holds something else.
func loadSigningKey(_ path: String) throws -> P256.Signing.PrivateKey {
    switch readFile(path, limit: 64 * 1024) {
    case .failure(let why):
        printError("cannot read key \(path): \(why.message)")
        throw ExitCode(1)
    case .success(let bytes):
        do { return try P256.Signing.PrivateKey(pemRepresentation: String(decoding: bytes, as: UTF8.self)) } catch {
            printError("\(path) is not a PEM P-256 private key (PKCS#8 or SEC1): \(error)")
            throw ExitCode(1)
        }
    }
}
