import Foundation
import Testing
import X509
@testable import Identity

/// libstirshaken's test PKI (../shared/corpus/stir/libstirshaken): its SP certificate carries
/// a bare IA5String URL under the TNAuthList OID, which RFC 8226 does not allow.
@Suite(.enabled(if: SharedSTIR.isAvailable, SharedSTIR.skipMessage))
struct CertificatesSharedVectorTests {
    static func cert(_ name: String) throws -> [Certificate] {
        try PEMChainFile.load(SharedSTIR.dir.appendingPathComponent("libstirshaken/\(name)"))
    }

    @Test func libstirshakenSPTNAuthListIsMalformed() throws {
        let sp = try #require(try Self.cert("sp_sp.pem").first)
        #expect(sp.extensions[oid: TNAuthList.oid] != nil)
        #expect(throws: TNAuthListError.notASequence(found: "IA5String")) { try sp.tnAuthList() }
    }

    @Test func libstirshakenChainIsRejectedForTheTNAuthList() async throws {
        let sp = try Self.cert("sp_sp.pem")
        let ca = try Self.cert("ca_ca.pem")
        // 2030: inside both certificates' validity (2020 to 2047/2048).
        let at = Date(timeIntervalSince1970: 1_900_000_000)
        let result = await CertificateChainValidator(trustAnchors: ca).validate(chain: sp, at: at)
        let subject = String(describing: sp[0].subject)
        guard case .failure(.malformedTNAuthList(let s, .notASequence(found: "IA5String"))) = result else {
            Issue.record("expected malformedTNAuthList, got \(result)")
            return
        }
        #expect(s == subject)
        // sp_wrongsp.pem does not chain to the CA.
        let wrong = await CertificateChainValidator(trustAnchors: ca).validate(chain: try Self.cert("sp_wrongsp.pem"), at: at)
        if case .success = wrong { Issue.record("sp_wrongsp.pem chained to ca_ca.pem") }
    }
}
