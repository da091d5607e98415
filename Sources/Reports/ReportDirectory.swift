import Foundation

/// A report file could not be written.
public struct ReportWriteError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): error: cannot write report; \(reason)" }
}

extension DiagramWriter {
    /// File names (without directory) for each scenario's diagram, parallel to `suite.scenarios`.
    ///
    /// The name is a slug of `name` and `matrixLabel` (`[a-z0-9-]`, at most 80 characters). When two
    /// scenarios share a slug, each gets a short hash of its file, name and label appended, so the
    /// name does not depend on the order the scenarios ran in; a counter settles true duplicates.
    public static func fileNames(for suite: SuiteReport) -> [String] {
        let slugs = suite.scenarios.map { s in
            slug(s.name + (s.matrixLabel.map { " " + $0 } ?? ""))
        }
        var slugCount: [String: Int] = [:]
        for s in slugs { slugCount[s, default: 0] += 1 }
        var used = Set<String>()
        var names: [String] = []
        for (s, scenario) in zip(slugs, suite.scenarios) {
            var base = s
            if slugCount[s, default: 0] > 1 {
                let key = scenario.file + "\u{0}" + scenario.name + "\u{0}" + (scenario.matrixLabel ?? "")
                base += "-" + fnv1a(key)
            }
            var candidate = base
            var n = 2
            while used.contains(candidate) {
                candidate = "\(base)-\(n)"
                n += 1
            }
            used.insert(candidate)
            names.append(candidate + ".svg")
        }
        return names
    }

    static func slug(_ text: String) -> String {
        var out = ""
        var lastWasDash = false
        for scalar in text.lowercased().unicodeScalars {
            let v = scalar.value
            if (0x61...0x7A).contains(v) || (0x30...0x39).contains(v) {
                out.unicodeScalars.append(scalar)
                lastWasDash = false
            } else if !lastWasDash && !out.isEmpty {
                out += "-"
                lastWasDash = true
            }
        }
        out = String(out.prefix(80))
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "scenario" : out
    }

    /// 32-bit FNV-1a as 8 hex digits: stable across runs and platforms (unlike `Hasher`).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt32 = 0x811C_9DC5
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// Writes one SVG per scenario and `index.html` into `directory` (created if missing).
    /// Existing files of the same names are replaced; nothing else in the directory is touched.
    public static func writeDirectory(suite: SuiteReport, to directory: URL) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: directory.path, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw ReportWriteError(path: directory.path, reason: "exists and is not a directory")
            }
        } else {
            do {
                try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw ReportWriteError(path: directory.path, reason: "cannot create directory (\(error.localizedDescription))")
            }
        }
        let names = fileNames(for: suite)
        for (scenario, name) in zip(suite.scenarios, names) {
            try write(Data(svg(for: scenario).utf8), to: directory.appendingPathComponent(name))
        }
        let html = HTMLIndexWriter.html(for: suite, diagramFileNames: names)
        try write(Data(html.utf8), to: directory.appendingPathComponent("index.html"))
    }

    static func write(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw ReportWriteError(path: url.path, reason: error.localizedDescription)
        }
    }
}
