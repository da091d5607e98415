import Foundation
import Testing
import X509
@testable import Identity

struct CertificatesRepositoryTests {
    static func error(_ body: () throws -> Any) -> CertificateRepositoryError? {
        do {
            _ = try body()
            return nil
        } catch let e as CertificateRepositoryError { return e } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func dictionary() throws {
        let pki = try TestPKISupport.pki()
        let repo = pki.repository
        #expect(try repo.chain(for: pki.delegate.url) == pki.delegate.chain)
        #expect(Self.error { try repo.chain(for: "https://certs.test.invalid/nope.pem") } == .unknownURL("https://certs.test.invalid/nope.pem"))
        let empty = DictionaryCertificateRepository(["u": []])
        #expect(Self.error { try empty.chain(for: "u") } == .unknownURL("u"))
    }

    @Test func directory() throws {
        let pki = try TestPKISupport.pki()
        try TestPKISupport.withTempDirectory { dir in
            try pki.write(to: dir)
            let repo = DirectoryCertificateRepository(directory: dir)
            // Only the last path component matters; host and folders are ignored.
            #expect(try repo.chain(for: "https://elsewhere.test.invalid/a/b/delegate.pem") == pki.delegate.chain)
            #expect(try repo.chain(for: pki.sp.url) == [pki.sp.certificate])
            #expect(Self.error { try repo.chain(for: "https://certs.test.invalid/missing.pem") }
                == .fileNotFound(path: dir.appendingPathComponent("missing.pem").path))
            for bad in ["https://certs.test.invalid/", "https://certs.test.invalid/..", "https://certs.test.invalid/a%2F..%2Fb", ""] {
                #expect(Self.error { try repo.chain(for: bad) } == .unusableURL(bad), "\(bad)")
            }
        }
    }

    @Test func mapFileWithRelativePaths() throws {
        let pki = try TestPKISupport.pki()
        try TestPKISupport.withTempDirectory { dir in
            let certs = dir.appendingPathComponent("pki")
            let maps = dir.appendingPathComponent("maps")
            try pki.write(to: certs)
            try FileManager.default.createDirectory(at: maps, withIntermediateDirectories: true)
            let yaml = """
                # relative to this file
                https://cert.test.invalid/passport.pem: ../pki/delegate.pem
                "https://cert.test.invalid/sp.pem": '../pki/sp.pem'
                https://cert.test.invalid/abs.pem: \(certs.appendingPathComponent("root.pem").path)
                https://cert.test.invalid/gone.pem: ../pki/gone.pem
                """
            let mapFile = maps.appendingPathComponent("map.yaml")
            try Data(yaml.utf8).write(to: mapFile)
            let repo = try MapFileCertificateRepository(mapFile: mapFile)
            #expect(try repo.chain(for: "https://cert.test.invalid/passport.pem") == pki.delegate.chain)
            #expect(try repo.chain(for: "https://cert.test.invalid/sp.pem") == pki.sp.chain)
            #expect(try repo.chain(for: "https://cert.test.invalid/abs.pem") == [pki.root.certificate])
            if case .fileNotFound = Self.error({ try repo.chain(for: "https://cert.test.invalid/gone.pem") }) {} else {
                Issue.record("missing file not reported")
            }
            #expect(Self.error { try repo.chain(for: "https://cert.test.invalid/other.pem") } == .unknownURL("https://cert.test.invalid/other.pem"))
        }
    }

    @Test(arguments: [
        ("https://a.test.invalid/x.pem: x.pem\nhttps://a.test.invalid/y.pem: [unclosed\n", 3),
        ("- just\n- a list\n", 1),
        ("https://a.test.invalid/x.pem: x.pem\nhttps://a.test.invalid/y.pem:\n  nested: map\n", 3),
        ("https://a.test.invalid/x.pem: x.pem\nhttps://a.test.invalid/x.pem: y.pem\n", 2),
        ("https://a.test.invalid/x.pem: x.pem\n  bad: indent\n", 2),
    ])
    func badMapFileNamesFileAndLine(yaml: String, line: Int) throws {
        try TestPKISupport.withTempDirectory { dir in
            let mapFile = dir.appendingPathComponent("bad.yaml")
            try Data(yaml.utf8).write(to: mapFile)
            let e = Self.error { try MapFileCertificateRepository(mapFile: mapFile) }
            guard case .badMapFile(let path, let got, let reason) = e else {
                Issue.record("expected badMapFile, got \(String(describing: e))")
                return
            }
            #expect(path == mapFile.path)
            #expect(got == line, "\(reason)")
            #expect(e?.description.hasPrefix("\(mapFile.path):\(line): ") == true)
        }
    }

    @Test func emptyAndMissingMapFile() throws {
        try TestPKISupport.withTempDirectory { dir in
            let mapFile = dir.appendingPathComponent("empty.yaml")
            try Data().write(to: mapFile)
            #expect(Self.error { try MapFileCertificateRepository(mapFile: mapFile) } == .badMapFile(path: mapFile.path, line: nil, reason: "empty map file"))
            let missing = dir.appendingPathComponent("none.yaml")
            #expect(Self.error { try MapFileCertificateRepository(mapFile: missing) } == .fileNotFound(path: missing.path))
        }
    }

    @Test func pemChainParsing() throws {
        let pki = try TestPKISupport.pki()
        let pem = try pki.delegate.chain.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n")
        #expect(try PEMChainFile.parse(pem) == [pki.delegate.certificate, pki.sp.certificate])
        // Text around the blocks (as `openssl x509 -text` leaves) is ignored.
        #expect(try PEMChainFile.parse("subject=TEST\n" + pem + "\ntrailer\n").count == 2)
        // A key block inside a chain file is named by position.
        let withKey = pem + "\n" + pki.delegate.privateKeyPEM
        if case .badCertificate(_, 2, let reason) = Self.error({ try PEMChainFile.parse(withKey) }) {
            #expect(reason.contains("PRIVATE KEY"))
        } else { Issue.record("key block accepted") }
        #expect(Self.error { try PEMChainFile.parse("no pem here") } == .noPEMBlocks(path: "<memory>"))
        let corrupt = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        if case .badCertificate(_, 0, _) = Self.error({ try PEMChainFile.parse(corrupt) }) {} else { Issue.record("garbage certificate accepted") }
        let unterminated = "-----BEGIN CERTIFICATE-----\nAAAA\n"
        #expect(Self.error { try PEMChainFile.parse(unterminated) } != nil)
    }

    @Test func fileSizeIsBounded() throws {
        try TestPKISupport.withTempDirectory { dir in
            let big = dir.appendingPathComponent("big.pem")
            try Data(repeating: 0x41, count: PEMChainFile.sizeLimit + 1).write(to: big)
            #expect(Self.error { try PEMChainFile.load(big) } == .fileTooLarge(path: big.path, size: PEMChainFile.sizeLimit + 1, limit: PEMChainFile.sizeLimit))
            #expect(Self.error { try DirectoryCertificateRepository(directory: dir).chain(for: "https://x.test.invalid/big.pem") } != nil)
            if case .unreadable = Self.error({ try PEMChainFile.load(dir) }) {} else { Issue.record("directory read as a file") }
        }
    }
}
