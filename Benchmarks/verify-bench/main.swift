import Crypto
import Foundation
import Identity
import SIPCore

// verify-bench [--seconds S] [--rounds N] [--mode M]
// Verifies one SHAKEN PASSporT carried in the Identity header of a realistic INVITE, on one
// thread, for S seconds per mode (default 3), and prints (the last line is the headline):
//   es256 <N> verifications/s    bare P-256 ECDSA verify: key.isValidSignature(sig, for: signing input)
//   jws <N> verifications/s      IdentityValue parse + PASSporTVerifier (JWS decode, header, ES256, claims)
//   verify <N> verifications/s   VerificationService (the standard RFC 8224 §6.2 rules) over the INVITE
// The certificate chain is fetched and validated once, before timing (CertificateKeyProvider);
// the verification time is fixed inside the TestPKI's validity (no wall clock in Identity).

func fail(_ message: String, code: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("verify-bench: \(message)\n".utf8))
    exit(code)
}

enum Sink {
    nonisolated(unsafe) static var value = 0
}

@inline(never) func consume(_ n: Int) { Sink.value &+= n }

/// 2027-01-15T08:00:00Z, as in the Identity tests; the PKI is built around it.
let pkiTime = Date(timeIntervalSince1970: 1_800_000_000)

func main() {
    let allModes = ["es256", "jws", "verify"]
    var seconds = 3.0
    var fixedRounds: Int?
    var modes = allModes
    var args = CommandLine.arguments.dropFirst()
    while let a = args.popFirst() {
        switch a {
        case "--seconds":
            guard let v = args.popFirst().flatMap(Double.init), v > 0 else { fail("--seconds needs a positive number") }
            seconds = v
        case "--rounds":
            // Profiling aid: a fixed number of verifications per mode (for valgrind/callgrind/perf).
            guard let v = args.popFirst().flatMap(Int.init), v > 0 else { fail("--rounds needs a positive integer") }
            fixedRounds = v
        case "--mode":
            // Profiling aid: run one mode only.
            guard let m = args.popFirst(), allModes.contains(m) else { fail("--mode takes es256, jws or verify") }
            modes = [m]
        case "-h", "--help":
            print("usage: verify-bench [--seconds S] [--rounds N] [--mode es256|jws|verify]")
            exit(0)
        default:
            fail("unknown argument \(a) (usage: verify-bench [--seconds S] [--rounds N] [--mode es256|jws|verify])")
        }
    }

    // ---- fixture (untimed) ---------------------------------------------------------------

    /// Verification time: ten minutes into the delegate certificate's validity (-1 day ... +90 days).
    let now: Int64 = 1_800_000_600
    let pki: TestPKI
    do { pki = try TestPKI.generate(at: pkiTime, seed: 20_240_601) } catch { fail("TestPKI: \(error)", code: 1) }

    // The delegate's chain is fetched and validated once, before timing.
    let keys = CertificateKeyProvider.prepareBlocking(urls: [pki.delegate.url], repository: pki.repository,
                                                      validator: CertificateChainValidator(trustAnchors: pki.trustAnchors),
                                                      at: pkiTime)
    let publicKey: P256.Signing.PublicKey
    do { publicKey = try keys.publicKey(for: pki.delegate.url, now: now) } catch {
        fail("the delegate chain does not validate: \(error)", code: 1)
    }

    let identityValue: IdentityValue
    do throws(any Error) {
        let signer = PASSporTSigner(key: try pki.delegate.privateKey(), x5u: pki.delegate.url)
        // orig is inside the delegate's TNAuthList range (12025550100-199).
        let claims = PASSporTClaims(orig: .tn("12025550199"), dest: PASSporTDestination(tn: ["12025550142"]), iat: now,
                                    attest: "A", origid: "3a47ccb4-5b1d-4f6e-9c0a-2e81d7f5b6c9")
        identityValue = try signer.identity(claims: claims, ppt: SHAKEN.ppt)
    } catch { fail("signing failed: \(error)", code: 1) }
    let identityHeader = identityValue.description

    // The INVITE of Benchmarks/corpus/03-invite-identity-stir.sip, as received by the terminating
    // IBCF/S-CSCF, with this run's Identity and a Date equal to the verification time.
    let sdp = [
        "v=0", "o=- 28908445 28908445 IN IP4 198.51.100.23", "s=-", "c=IN IP4 198.51.100.23", "t=0 0",
        "m=audio 31000 RTP/AVP 97 98 101", "b=AS:41", "a=rtpmap:97 AMR-WB/16000/1",
        "a=fmtp:97 mode-change-capability=2;max-red=0", "a=rtpmap:98 AMR/8000/1",
        "a=fmtp:98 mode-change-capability=2;max-red=0", "a=rtpmap:101 telephone-event/16000", "a=fmtp:101 0-15",
        "a=ptime:20", "a=sendrecv",
    ].joined(separator: "\r\n") + "\r\n"
    let inviteText = [
        "INVITE sip:+12025550142@ims.mnc001.mcc001.3gppnetwork.org;user=phone SIP/2.0",
        "Via: SIP/2.0/UDP ibcf.ims.example:5060;branch=z9hG4bK5f3d35ef4a3c6888",
        "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKc7250e5575f86e9c;received=198.51.100.7",
        "Max-Forwards: 66",
        "Record-Route: <sip:ibcf.ims.example;lr>",
        "From: \"Example Corp\" <sip:+12025550199@carrier.example.net;user=phone>;tag=9f2df9d57e1ee",
        "To: <sip:+12025550142@ims.mnc001.mcc001.3gppnetwork.org;user=phone>",
        "Call-ID: c0ffee24b51fe60930@198.51.100.7",
        "CSeq: 101 INVITE",
        "Date: \(SIPDate(secondsSince1970: now).description)",
        "Identity: \(identityHeader)",
        "P-Asserted-Identity: <tel:+12025550199>",
        "Call-Info: <https://biz.example.org/logo.png>;purpose=icon",
        "Contact: <sip:+12025550199@198.51.100.7:5060;user=phone>",
        "Supported: 100rel, timer",
        "Allow: INVITE, ACK, CANCEL, BYE, UPDATE, PRACK, OPTIONS",
        "Content-Type: application/sdp",
        "Content-Length: \(sdp.utf8.count)",
    ].joined(separator: "\r\n") + "\r\n\r\n" + sdp
    let request: SIPMessage
    do { request = try SIPMessage(parsing: Array(inviteText.utf8)) } catch { fail("the INVITE does not parse: \(error)", code: 1) }

    // The standard rule list with the TNAuthList check, as `ims-harness passport verify` runs it.
    let service = VerificationService(config: IdentityVerificationConfig(), tnAuthList: keys.tnAuthListCovers)

    // Bare-crypto inputs: the JWS signing input and the raw R||S signature.
    let jwsSegments = identityValue.jws.split(separator: ".", omittingEmptySubsequences: false)
    let signingInput = Array((jwsSegments[0] + "." + jwsSegments[1]).utf8)
    let signature: P256.Signing.ECDSASignature
    do {
        signature = try P256.Signing.ECDSASignature(rawRepresentation: try Base64URL.decode(jwsSegments[2]))
    } catch { fail("signature: \(error)", code: 1) }

    // ---- the three measured operations --------------------------------------------------

    let es256Once = { () -> Bool in
        publicKey.isValidSignature(signature, for: signingInput)
    }

    let jwsOnce = { () -> Bool in
        guard let value = try? IdentityValue(parsing: identityHeader),
              let passport = try? PASSporTVerifier().verify(value, key: publicKey) else { return false }
        return passport.claims.iat == now
    }

    let verifyOnce = { () -> Bool in
        service.verify(request, now: now, keys: keys).isValid
    }

    // ---- check before timing ------------------------------------------------------------

    let verdict = service.verify(request, now: now, keys: keys)
    guard verdict.isValid, verdict.verstat == .passed else {
        fail("the INVITE does not verify: \(verdict.summaryLine)", code: 1)
    }
    guard jwsOnce() else { fail("the bare JWS path does not verify", code: 1) }
    guard es256Once() else { fail("the bare ES256 signature does not verify", code: 1) }

    // ---- measure ------------------------------------------------------------------------

    func measure(_ once: () -> Bool) -> Double {
        // Warm up caches and the allocator.
        for _ in 0..<64 { consume(once() ? 1 : 0) }
        let clock = ContinuousClock()
        if let fixedRounds {
            let start = clock.now
            var ok = 0
            for _ in 0..<fixedRounds { ok &+= once() ? 1 : 0 }
            let elapsed = clock.now - start
            guard ok == fixedRounds else { fail("\(fixedRounds - ok) verifications failed", code: 1) }
            let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return Double(fixedRounds) / s
        }
        let budget = Duration.milliseconds(Int64(seconds * 1000))
        let batch = 16  // ~1 ms per batch: the clock read is negligible
        var done = 0, ok = 0
        let start = clock.now
        var elapsed = Duration.zero
        repeat {
            for _ in 0..<batch { ok &+= once() ? 1 : 0 }
            done += batch
            elapsed = clock.now - start
        } while elapsed < budget
        guard ok == done else { fail("\(done - ok) of \(done) verifications failed", code: 1) }
        consume(ok)
        let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(done) / s
    }

    if modes.contains("es256") { print("es256 \(Int(measure(es256Once))) verifications/s") }
    if modes.contains("jws") { print("jws \(Int(measure(jwsOnce))) verifications/s") }
    if modes.contains("verify") { print("verify \(Int(measure(verifyOnce))) verifications/s") }
    if Sink.value == 42 { FileHandle.standardError.write(Data("\n".utf8)) }
}

main()
