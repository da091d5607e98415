import Testing
import TestSupport
@testable import SIPCore

/// The Identity digest is scanned with a mask test and its parameters collected as one text:
/// checked against the byte rule as written and against parameters appended one by one.
struct IdentityValueScanTests {
    @Test func digestMaskMatchesRule() {
        for b in UInt8.min...UInt8.max {
            let rule = ByteClass.isAlpha(b) || ByteClass.isDigit(b) || b == 0x2D || b == 0x5F || b == ASCII.dot
                || b == ASCII.plus || b == ASCII.slash || b == ASCII.equals
            #expect(IdentityValue.isDigestChar(b) == rule, "byte \(b)")
        }
    }

    @Test func parametersMatchAppendedOnes() throws {
        var rng = SplitMix64(seed: 0x8224)
        let params = [";info=<https://cert.example/sp.pem>", ";alg=ES256", ";ppt=shaken", ";ppt=\"rcd\"", ";x", ";INFO=<http://a/b>",
                      " ; alg = ES256", ";y=\"a;b\"", ";z=tok"]
        for _ in 0..<1000 {
            var text = "eyJh.eyJi.c2ln"
            for _ in 0..<Int(rng.next() % 4) { text += params[Int(rng.next() % UInt64(params.count))] }
            guard let value = try? IdentityValue(parsing: text) else { continue }
            var appended = Parameters()
            for p in value.parameters { appended.append(p) }
            #expect(value.parameters == appended, "\(text)")
            #expect(value.parameters.serialized == appended.serialized)
        }
    }
}
