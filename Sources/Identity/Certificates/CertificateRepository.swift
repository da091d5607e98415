import Foundation
import SwiftASN1
import X509
import Yams

/// Why a certificate chain could not be fetched from a repository (never a network fetch:
/// these repositories serve `x5u` URLs from memory or local files).
public enum CertificateRepositoryError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownURL(String)
    /// The URL has no usable last path component (empty, "." / "..", or a path separator).
    case unusableURL(String)
    case fileNotFound(path: String)
    case fileTooLarge(path: String, size: Int, limit: Int)
    case unreadable(path: String, reason: String)
    case noPEMBlocks(path: String)
    case malformedPEM(path: String, reason: String)
    /// PEM block `index` (0-based) is not a certificate or does not parse.
    case badCertificate(path: String, index: Int, reason: String)
    /// The map file is not a YAML mapping of URL strings to path strings; line is 1-based when known.
    case badMapFile(path: String, line: Int?, reason: String)

    public var description: String {
        switch self {
        case .unknownURL(let u): "no certificate chain is known for \(u)"
        case .unusableURL(let u): "URL \(u) has no usable last path component"
        case .fileNotFound(let p): "certificate file \(p) does not exist"
        case .fileTooLarge(let p, let s, let l): "\(p) is \(s) bytes, over the \(l)-byte limit"
        case .unreadable(let p, let r): "cannot read \(p): \(r)"
        case .noPEMBlocks(let p): "\(p) holds no PEM block"
        case .malformedPEM(let p, let r): "\(p) is not valid PEM: \(r)"
        case .badCertificate(let p, let i, let r): "\(p) PEM block \(i + 1) is not a valid certificate: \(r)"
        case .badMapFile(let p, let line, let r): "\(p)\(line.map { ":\($0)" } ?? ""): \(r)"
        }
    }
}

/// Resolves an `x5u` URL to its certificate chain, leaf first (RFC 9060 §5: the whole chain).
public protocol CertificateRepository: Sendable {
    func chain(for url: String) throws -> [Certificate]
}

/// A fixed URL → chain table.
public struct DictionaryCertificateRepository: CertificateRepository {
    public var chains: [String: [Certificate]]

    public init(_ chains: [String: [Certificate]]) { self.chains = chains }

    public func chain(for url: String) throws -> [Certificate] {
        guard let c = chains[url], !c.isEmpty else { throw CertificateRepositoryError.unknownURL(url) }
        return c
    }
}

/// Serves `<directory>/<last path component of the URL>`; the name may not climb out of the directory.
public struct DirectoryCertificateRepository: CertificateRepository {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    public func chain(for url: String) throws -> [Certificate] {
        guard let parsed = URL(string: url) else { throw CertificateRepositoryError.unusableURL(url) }
        let name = parsed.lastPathComponent
        guard !name.isEmpty, name != ".", name != "..", name != "/", !name.contains("/"), !name.contains("\\"),
              !name.contains("\0")
        else { throw CertificateRepositoryError.unusableURL(url) }
        return try PEMChainFile.load(directory.appendingPathComponent(name))
    }
}

/// A YAML map file `URL: path` (paths relative to the map file's folder unless absolute).
/// The map is read and checked once, at init; certificate files are read on each lookup.
public struct MapFileCertificateRepository: CertificateRepository {
    public let mapFile: URL
    public let files: [String: URL]

    public init(mapFile: URL) throws {
        self.mapFile = mapFile
        let path = mapFile.path
        let text = String(decoding: try PEMChainFile.read(mapFile), as: UTF8.self)
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let e as YamlError {
            throw CertificateRepositoryError.badMapFile(path: path, line: Self.line(of: e, in: text), reason: Self.problem(of: e))
        } catch {
            throw CertificateRepositoryError.badMapFile(path: path, line: nil, reason: String(describing: error))
        }
        guard let root else { throw CertificateRepositoryError.badMapFile(path: path, line: nil, reason: "empty map file") }
        guard let mapping = root.mapping else {
            throw CertificateRepositoryError.badMapFile(path: path, line: root.mark?.line, reason: "expected a mapping of URL: path")
        }
        let base = mapFile.deletingLastPathComponent()
        var files: [String: URL] = [:]
        for (key, value) in mapping {
            guard let url = key.scalar?.string, !url.isEmpty else {
                throw CertificateRepositoryError.badMapFile(path: path, line: key.mark?.line, reason: "key must be a URL string")
            }
            guard let file = value.scalar?.string, !file.isEmpty else {
                throw CertificateRepositoryError.badMapFile(path: path, line: value.mark?.line, reason: "value for \(url) must be a file path string")
            }
            guard files[url] == nil else {
                throw CertificateRepositoryError.badMapFile(path: path, line: key.mark?.line, reason: "duplicate URL \(url)")
            }
            files[url] = file.hasPrefix("/") ? URL(fileURLWithPath: file) : base.appendingPathComponent(file)
        }
        self.files = files
    }

    public func chain(for url: String) throws -> [Certificate] {
        guard let file = files[url] else { throw CertificateRepositoryError.unknownURL(url) }
        return try PEMChainFile.load(file)
    }

    private static func line(of e: YamlError, in text: String) -> Int? {
        switch e {
        case .scanner(_, _, let m, _), .parser(_, _, let m, _), .composer(_, _, let m, _):
            return m.line
        case .duplicatedKeysInMapping(let dups, let ctx):
            // Yams marks the mapping, not the repeat: point at the key's second occurrence instead.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            for dup in dups {
                let starts = [dup + ":", "\"" + dup + "\"", "'" + dup + "'"]
                let hits = lines.indices.filter { i in
                    let t = lines[i].drop { $0 == " " || $0 == "\t" }
                    return starts.contains { t.hasPrefix($0) }
                }
                if hits.count >= 2 { return hits[1] + 1 }
            }
            return ctx.mark.line
        default:
            return nil
        }
    }

    private static func problem(of e: YamlError) -> String {
        switch e {
        case .scanner(_, let p, _, _), .parser(_, let p, _, _), .composer(_, let p, _, _): "YAML: \(p)"
        case .duplicatedKeysInMapping(let d, _): "duplicate URL \(d.joined(separator: ", "))"
        default: "YAML: \(e)"
        }
    }
}

/// PEM files holding one or more certificates (leaf first, then intermediates).
public enum PEMChainFile {
    /// Certificate files are small; anything bigger is a mistake or an attack.
    public static let sizeLimit = 1 << 20

    public static func load(_ file: URL) throws -> [Certificate] {
        try parse(String(decoding: read(file), as: UTF8.self), path: file.path)
    }

    /// Every PEM block must be a CERTIFICATE; order is kept.
    public static func parse(_ pem: String, path: String = "<memory>") throws -> [Certificate] {
        let docs: [PEMDocument]
        do { docs = try PEMDocument.parseMultiple(pemString: pem) } catch {
            throw CertificateRepositoryError.malformedPEM(path: path, reason: String(describing: error))
        }
        guard !docs.isEmpty else { throw CertificateRepositoryError.noPEMBlocks(path: path) }
        return try docs.enumerated().map { i, doc in
            guard doc.discriminator == "CERTIFICATE" else {
                throw CertificateRepositoryError.badCertificate(path: path, index: i, reason: "PEM type is \(doc.discriminator)")
            }
            do { return try Certificate(derEncoded: doc.derBytes) } catch {
                throw CertificateRepositoryError.badCertificate(path: path, index: i, reason: String(describing: error))
            }
        }
    }

    /// Reads at most `sizeLimit` bytes; refuses larger files before reading them whole.
    static func read(_ file: URL) throws -> [UInt8] {
        let path = file.path
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { throw CertificateRepositoryError.fileNotFound(path: path) }
        guard !isDir.boolValue else { throw CertificateRepositoryError.unreadable(path: path, reason: "is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CertificateRepositoryError.unreadable(path: path, reason: "cannot open")
        }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: sizeLimit + 1) ?? Data() } catch {
            throw CertificateRepositoryError.unreadable(path: path, reason: String(describing: error))
        }
        guard data.count <= sizeLimit else {
            let size = (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? data.count
            throw CertificateRepositoryError.fileTooLarge(path: path, size: size, limit: sizeLimit)
        }
        return [UInt8](data)
    }
}
