import Foundation
import Testing

/// A `pki init` directory (removed with the fixture) plus helpers to sign with its credentials
/// and verify against it.
final class PKIFixture {
    let dir: URL
    let now = Int(Date().timeIntervalSince1970)

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ims-harness-passport-\(UUID().uuidString)")
        let r = try CLI.run(["pki", "init", dir.path])
        try #require(r.status == 0, "pki init failed: \(r.stderr)")
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    static func url(_ credential: String) -> String { "https://certs.test.invalid/\(credential).pem" }

    /// `passport sign` with the key and URL of `credential`; returns stdout without the newline.
    func sign(_ credential: String = "delegate", orig: String = "12025550123", dest: String = "12025550155",
              extra: [String] = ["--attest", "A"]) throws -> String {
        let r = try CLI.run(["passport", "sign", "--key", path("\(credential).key.pem"), "--x5u", Self.url(credential),
                             "--orig", orig, "--dest", dest, "--iat", String(now)] + extra)
        try #require(r.status == 0, "sign failed: \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func verify(_ input: [String], anchor: String = "root.pem", at: Int? = nil, extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["passport", "verify"] + input + ["--trust-anchor", path(anchor), "--certs", path("certs.yaml"),
                                                      "--at", String(at ?? now), "--json"] + extra)
    }

    /// The one JSON object `verify --json` printed.
    static func verdict(_ r: CLI.Result) throws -> [String: Any] {
        let lines = r.stdout.split(separator: "\n")
        try #require(lines.count == 1, "expected one line, got: \(r.stdout) / \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
    }
}

struct PassportCommandTests {
    @Test func signedTokenVerifies() throws {
        let pki = try PKIFixture()
        let token = try pki.sign()
        let r = try pki.verify([token])
        #expect(r.status == 0)
        let v = try PKIFixture.verdict(r)
        #expect(v["verdict"] as? String == "valid")
        #expect(v["verstat"] as? String == "TN-Validation-Passed")
        #expect(v["policy"] is NSNull)
        #expect(v["reason"] is NSNull)
        #expect(v["sipStatus"] is NSNull)
        #expect(Set(v.keys) == ["verdict", "policy", "reason", "sipStatus", "verstat"])

        // Matching --orig / --dest (written with + and separators) and a fresh --date still pass.
        let date = DateFormatter.rfc1123.string(from: Date(timeIntervalSince1970: TimeInterval(pki.now)))
        let checked = try pki.verify([token], extra: ["--orig", "+1 (202) 555-0123", "--dest", "12025550155", "--date", date])
        #expect(checked.status == 0, "\(checked.stdout)")

        // Without --json: one human line.
        let human = try CLI.run(["passport", "verify", token, "--trust-anchor", pki.path("root.pem"),
                                 "--cert", "\(PKIFixture.url("delegate"))=\(pki.path("delegate.pem"))", "--at", String(pki.now)])
        #expect(human.status == 0)
        #expect(human.stdout.hasPrefix("valid: TN-Validation-Passed"))
        #expect(human.stdout.split(separator: "\n").count == 1)
    }

    @Test func identityHeaderSignsVerifiesAndDecodes() throws {
        let pki = try PKIFixture()
        let header = try pki.sign(extra: ["--attest", "B", "--header"])
        #expect(header.hasSuffix(";info=<\(PKIFixture.url("delegate"))>;alg=ES256;ppt=shaken"))
        let r = try pki.verify(["--identity-header", header])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(try PKIFixture.verdict(r)["verdict"] as? String == "valid")

        let d = try CLI.run(["passport", "decode", "--identity-header", header])
        #expect(d.status == 0)
        #expect(d.stdout.contains("info: \(PKIFixture.url("delegate"))"))
        #expect(d.stdout.contains("alg: ES256"))
        #expect(d.stdout.contains("ppt: shaken"))
    }

    @Test func tamperedPayloadIs438() throws {
        let pki = try PKIFixture()
        var parts = try pki.sign().split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        let first = parts[1].removeFirst()
        parts[1] = String(first == "e" ? "f" : "e") + parts[1]
        let r = try pki.verify([parts.joined(separator: ".")])
        #expect(r.status == 1)
        let v = try PKIFixture.verdict(r)
        #expect(v["verdict"] as? String == "invalid")
        #expect(v["sipStatus"] as? Int == 438)
        #expect(v["verstat"] as? String == "TN-Validation-Failed")
    }

    @Test func badSignatureIs438() throws {
        let pki = try PKIFixture()
        // Another token's signature over this header.payload: decodes, but does not verify.
        let a = try pki.sign().split(separator: ".")
        let b = try pki.sign(orig: "12025550124").split(separator: ".")
        let r = try pki.verify(["\(a[0]).\(a[1]).\(b[2])"])
        #expect(r.status == 1)
        let v = try PKIFixture.verdict(r)
        #expect(v["sipStatus"] as? Int == 438)
        #expect(v["policy"] as? String == "SignatureValid")
    }

    @Test func staleIatAndDateAre403() throws {
        let pki = try PKIFixture()
        let token = try pki.sign()
        let late = try pki.verify([token], at: pki.now + 3600)
        #expect(late.status == 1)
        let v = try PKIFixture.verdict(late)
        #expect(v["sipStatus"] as? Int == 403)
        #expect(v["policy"] as? String == "Freshness")

        let oldDate = DateFormatter.rfc1123.string(from: Date(timeIntervalSince1970: TimeInterval(pki.now - 600)))
        let stale = try pki.verify([token], extra: ["--date", oldDate])
        #expect(stale.status == 1)
        #expect(try PKIFixture.verdict(stale)["sipStatus"] as? Int == 403)
    }

    @Test func origOutsideTNAuthListIs438() throws {
        let pki = try PKIFixture()
        let r = try pki.verify([try pki.sign(orig: "12025559999")])
        #expect(r.status == 1)
        let v = try PKIFixture.verdict(r)
        #expect(v["sipStatus"] as? Int == 438)
        #expect(v["policy"] as? String == "TNAuthListCoversOrig")
    }

    @Test func origOrDestMismatchIs438() throws {
        let pki = try PKIFixture()
        let token = try pki.sign()
        let o = try pki.verify([token], extra: ["--orig", "12025550124"])
        #expect(o.status == 1)
        #expect(try PKIFixture.verdict(o)["policy"] as? String == "OrigMatchesAssertedIdentity")
        #expect(try PKIFixture.verdict(o)["sipStatus"] as? Int == 438)
        let d = try pki.verify([token], extra: ["--dest", "12025550999"])
        #expect(d.status == 1)
        #expect(try PKIFixture.verdict(d)["policy"] as? String == "DestMatchesRequestTarget")
    }

    @Test func untrustedAnchorAndExpiredCertificateAre437() throws {
        let pki = try PKIFixture()
        let untrusted = try pki.verify([try pki.sign()], anchor: "untrusted-root.pem")
        #expect(untrusted.status == 1)
        #expect(try PKIFixture.verdict(untrusted)["sipStatus"] as? Int == 437)

        let expired = try pki.verify([try pki.sign("expired")])
        #expect(expired.status == 1)
        let v = try PKIFixture.verdict(expired)
        #expect(v["sipStatus"] as? Int == 437)
        #expect((v["reason"] as? String)?.contains("expired") == true)
    }

    @Test func unfetchableCredentialIs436() throws {
        let pki = try PKIFixture()
        let token = try pki.sign()
        // URL not in the --cert list.
        let unknown = try CLI.run(["passport", "verify", token, "--trust-anchor", pki.path("root.pem"), "--json",
                                   "--cert", "https://elsewhere.invalid/x.pem=\(pki.path("delegate.pem"))", "--at", String(pki.now)])
        #expect(unknown.status == 1)
        #expect(try PKIFixture.verdict(unknown)["sipStatus"] as? Int == 436)
        // Listed, but the file is missing.
        let missing = try CLI.run(["passport", "verify", token, "--trust-anchor", pki.path("root.pem"), "--json",
                                   "--cert", "\(PKIFixture.url("delegate"))=\(pki.path("gone.pem"))", "--at", String(pki.now)])
        #expect(missing.status == 1)
        #expect(try PKIFixture.verdict(missing)["sipStatus"] as? Int == 436)
    }

    @Test func decodePrintsHeaderAndClaims() throws {
        let pki = try PKIFixture()
        let token = try pki.sign(extra: ["--rcd-name", "Example Bank", "--crn", "Card payment"])
        let r = try CLI.run(["passport", "decode", token])
        #expect(r.status == 0)
        #expect(r.stdout.contains("form: full"))
        #expect(r.stdout.contains("\"ppt\": \"rcd\""))
        #expect(r.stdout.contains("\"x5u\": \"\(PKIFixture.url("delegate"))\""))
        #expect(r.stdout.contains("\"tn\": \"12025550123\""))
        #expect(r.stdout.contains("\"nam\": \"Example Bank\""))
        #expect(r.stdout.contains("\"crn\": \"Card payment\""))
        #expect(r.stdout.contains("\"iat\": \(pki.now)"))

        let j = try CLI.run(["passport", "decode", "--json", token])
        #expect(j.status == 0)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(obj["form"] as? String == "full")
        let claims = try #require(obj["claims"] as? [String: Any])
        #expect((claims["orig"] as? [String: Any])?["tn"] as? String == "12025550123")
        #expect((obj["header"] as? [String: Any])?["ppt"] as? String == "rcd")
    }

    @Test func decodeRejectsMalformedInput() throws {
        for bad in ["not-a-token", "a.b", "e30.e30.!!!", "eyJ.eyJ.AAAA"] {
            let r = try CLI.run(["passport", "decode", bad])
            #expect(r.status == 1, "\(bad)")
            #expect(r.stderr.hasPrefix("cannot decode: "), "\(bad)")
        }
        let h = try CLI.run(["passport", "decode", "--identity-header", "abc;info=no-brackets"])
        #expect(h.status == 1)
        #expect(h.stderr.contains("Identity header does not parse"))
    }

    @Test func usageErrorsExitTwo() throws {
        let pki = try PKIFixture()
        let token = try pki.sign()
        let anchor = ["--trust-anchor", pki.path("root.pem")], certs = ["--certs", pki.path("certs.yaml")]
        #expect(try CLI.run(["passport", "verify"] + anchor + certs).status == 2)                            // no token
        #expect(try CLI.run(["passport", "verify", token, "--identity-header", "x"] + anchor + certs).status == 2)  // both
        #expect(try CLI.run(["passport", "verify", token] + anchor).status == 2)                             // no certs
        #expect(try CLI.run(["passport", "verify", token] + certs).status == 2)                              // no anchor
        #expect(try CLI.run(["passport", "verify", token, "--cert", "no-equals"] + anchor).status == 2)
        #expect(try CLI.run(["passport", "verify", token, "--date", "yesterday"] + anchor + certs).status == 2)
        #expect(try CLI.run(["passport", "verify", token, "--orig", "alice"] + anchor + certs).status == 2)
        #expect(try CLI.run(["passport", "verify", token, "--at", "soon"] + anchor + certs).status == 2)
        #expect(try CLI.run(["passport", "decode"]).status == 2)
        #expect(try CLI.run(["passport", "decode", token, "--identity-header", "x"]).status == 2)
        let key = ["--key", pki.path("delegate.key.pem"), "--x5u", PKIFixture.url("delegate")]
        #expect(try CLI.run(["passport", "sign"] + key + ["--dest", "1"]).status == 2)                        // no --orig
        #expect(try CLI.run(["passport", "sign"] + key + ["--orig", "1"]).status == 2)                        // no --dest
        #expect(try CLI.run(["passport", "sign"] + key + ["--orig", "1", "--dest", "2", "--attest", "D"]).status == 2)
        #expect(try CLI.run(["passport", "verify", "--help"]).status == 0)
    }

    @Test func signFailuresExitOne() throws {
        let pki = try PKIFixture()
        let missing = try CLI.run(["passport", "sign", "--key", pki.path("nope.pem"), "--x5u", "u", "--orig", "1", "--dest", "2"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot read key"))
        let notKey = try CLI.run(["passport", "sign", "--key", pki.path("root.pem"), "--x5u", "u", "--orig", "1", "--dest", "2"])
        #expect(notKey.status == 1)
        let badOrigid = try CLI.run(["passport", "sign", "--key", pki.path("delegate.key.pem"), "--x5u", "u", "--orig", "1",
                                     "--dest", "2", "--attest", "A", "--origid", "not-a-uuid"])
        #expect(badOrigid.status == 1)
        #expect(badOrigid.stderr.contains("origid"))
    }
}

extension DateFormatter {
    /// SIP Date (RFC 1123, GMT).
    static var rfc1123: DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f
    }
}
