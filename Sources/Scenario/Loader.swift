import Foundation

/// The result of loading one file: its runnable cases, or the errors that stop it.
public struct LoadedFile: Sendable {
    public var path: String
    /// A file without `steps` is a fragment: something to `include`, never run on its own.
    public var isFragment: Bool
    public var cases: [ScenarioCase]
    public var diagnostics: [Diagnostic]
    public var ok: Bool { diagnostics.isEmpty }
}

/// Reads scenario files: YAML, includes, matrix expansion, typed decoding, validation.
public struct ScenarioLoader: Sendable {
    public var catalog: ScenarioCatalog
    public var readFile: @Sendable (String) -> String?

    public init(catalog: ScenarioCatalog = .fallback,
                readFile: @escaping @Sendable (String) -> String? = { try? String(contentsOfFile: $0, encoding: .utf8) }) {
        self.catalog = catalog
        self.readFile = readFile
    }

    public func load(path: String) -> LoadedFile {
        guard let text = readFile(path) else {
            return LoadedFile(path: path, isFragment: false, cases: [], diagnostics: [
                Diagnostic(SourceLocation(file: path, line: 1, column: 1), "cannot read file", expected: "a readable UTF-8 YAML file")])
        }
        return load(text: text, path: path)
    }

    public func load(text: String, path: String) -> LoadedFile {
        var bag = DiagnosticBag()
        var sources = [path: text]
        let rootAt = SourceLocation(file: path, line: 1, column: 1)
        guard let root = parseRoot(text, path: path, bag: &bag) else {
            if bag.isEmpty { bag.error(rootAt, "the file is empty", expected: "a mapping with name, network, steps and assert") }
            return LoadedFile(path: path, isFragment: false, cases: [], diagnostics: bag.sorted)
        }
        guard root.pairs != nil else {
            bag.error(root.location, "the top level is \(root.typeName)", expected: "a mapping with name, network, steps and assert")
            return LoadedFile(path: path, isFragment: false, cases: [], diagnostics: bag.sorted)
        }
        let merged = resolveIncludes(root, path: path, stack: [canonical(path)], sources: &sources, bag: &bag)
        let isFragment = merged["steps"] == nil
        var cases: [ScenarioCase] = []
        let entries = matrixEntries(merged, bag: &bag)
        for (index, entry) in entries.enumerated() {
            let substituted = entry.vars.isEmpty ? merged : substitute(merged, vars: entry.vars)
            var decoder = Decoder(catalog: catalog, sources: sources, file: path)
            let c = decoder.decodeCase(substituted, fragment: isFragment, matrixLabel: entry.label,
                                       matrixIndex: entries.count > 1 || entry.label != nil ? index : nil,
                                       violates: entry.violates, matrixVars: Set(entry.vars.keys))
            bag.append(contentsOf: decoder.bag.items)
            if let c { cases.append(c) }
        }
        if !bag.isEmpty { cases = [] }
        return LoadedFile(path: path, isFragment: isFragment, cases: isFragment ? [] : cases, diagnostics: bag.sorted)
    }

    private func parseRoot(_ text: String, path: String, bag: inout DiagnosticBag) -> YNode? {
        switch YAMLLoad.parse(text, file: path) {
        case .success(let n): return n
        case .failure(let d):
            bag.error(d.location, d.message, expected: d.expected)
            return nil
        }
    }

    private func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    // MARK: include

    private static let fragmentKeys = ["include", "network", "description", "tags"]

    /// Merges included files under this one (this file wins; lists are concatenated).
    private func resolveIncludes(_ node: YNode, path: String, stack: [String], sources: inout [String: String],
                                 bag: inout DiagnosticBag) -> YNode {
        guard let inc = node["include"] else { return node }
        var refs: [YNode] = []
        switch inc.value {
        case .string: refs = [inc]
        case .sequence(let s): refs = s
        default:
            bag.error(inc.location, "include is \(inc.typeName)", expected: "a relative path or a list of paths")
            return node
        }
        var base: YNode?
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        for ref in refs {
            guard case .string(let rel, _) = ref.value else {
                bag.error(ref.location, "include entry is \(ref.typeName)", expected: "a relative path such as ../common/home.yaml")
                continue
            }
            let full = rel.hasPrefix("/") ? rel : dir.appendingPathComponent(rel).standardizedFileURL.path
            let key = canonical(full)
            if stack.contains(key) {
                bag.error(ref.location, "include cycle: \((stack + [key]).map { ($0 as NSString).lastPathComponent }.joined(separator: " -> "))",
                          expected: "includes that do not lead back to an including file")
                continue
            }
            let shown = displayPath(full, relativeTo: path, rel: rel)
            guard let text = readFile(shown) ?? readFile(full) else {
                bag.error(ref.location, "cannot read included file '\(rel)'", expected: "a path relative to \(dir.path)")
                continue
            }
            sources[shown] = text
            guard let inner = parseRoot(text, path: shown, bag: &bag) else { continue }
            guard let pairs = inner.pairs else {
                bag.error(inner.location, "an included file must be a mapping", expected: "a mapping with network:")
                continue
            }
            for p in pairs where !Self.fragmentKeys.contains(p.key) {
                bag.error(p.keyLocation, "'\(p.key)' is not allowed in an included file",
                          expected: expectedOneOf(p.key, Self.fragmentKeys))
            }
            let resolved = resolveIncludes(inner, path: shown, stack: stack + [key], sources: &sources, bag: &bag)
            base = base.map { merge($0, resolved) } ?? resolved
        }
        guard let base else { return node }
        var merged = merge(base, node)
        if case .mapping(let p) = merged.value {
            merged.value = .mapping(p.filter { $0.key != "include" })
        }
        merged.location = node.location
        return merged
    }

    /// Keeps the path an error names readable: relative to the including file's folder.
    private func displayPath(_ full: String, relativeTo including: String, rel: String) -> String {
        if rel.hasPrefix("/") { return rel }
        let dir = (including as NSString).deletingLastPathComponent
        return ((dir.isEmpty ? rel : dir + "/" + rel) as NSString).standardizingPath
    }

    private func merge(_ base: YNode, _ over: YNode) -> YNode {
        switch (base.value, over.value) {
        case (.mapping(let b), .mapping(let o)):
            var out = b
            for p in o {
                if let i = out.firstIndex(where: { $0.key == p.key }) {
                    out[i] = YNode.Pair(key: p.key, keyLocation: p.keyLocation, value: merge(out[i].value, p.value))
                } else {
                    out.append(p)
                }
            }
            return YNode(.mapping(out), at: over.location)
        case (.sequence(let b), .sequence(let o)):
            return YNode(.sequence(b + o), at: over.location)
        default:
            return over
        }
    }

    // MARK: matrix

    struct MatrixEntry {
        var label: String?
        var vars: [String: YNode]
        var violates: [Located<String>]
    }

    private func matrixEntries(_ root: YNode, bag: inout DiagnosticBag) -> [MatrixEntry] {
        guard let m = root["matrix"] else { return [MatrixEntry(label: nil, vars: [:], violates: [])] }
        guard let list = m.items, !list.isEmpty else {
            bag.error(m.location, "matrix is \(m.typeName)", expected: "a non-empty list of entries {name, vars, violates}")
            return []
        }
        var out: [MatrixEntry] = []
        var seen = Set<String>()
        for (i, e) in list.enumerated() {
            guard let pairs = e.pairs else {
                bag.error(e.location, "matrix entry is \(e.typeName)", expected: "a mapping {name, vars, violates}")
                continue
            }
            var entry = MatrixEntry(label: "\(i + 1)", vars: [:], violates: [])
            for p in pairs {
                switch p.key {
                case "name":
                    if let s = p.value.scalarText { entry.label = s } else {
                        bag.error(p.value.location, "matrix name is \(p.value.typeName)", expected: "a string")
                    }
                case "vars":
                    if let vp = p.value.pairs {
                        for v in vp { entry.vars[v.key] = v.value }
                    } else {
                        bag.error(p.value.location, "vars is \(p.value.typeName)", expected: "a mapping of variable -> value")
                    }
                case "violates":
                    let items = p.value.items ?? [p.value]
                    for it in items {
                        if case .string(let s, _) = it.value { entry.violates.append(Located(s, it.location)) } else {
                            bag.error(it.location, "violates entry is \(it.typeName)", expected: "an assertion id")
                        }
                    }
                default:
                    bag.error(p.keyLocation, "unknown key '\(p.key)' in matrix entry", expected: expectedOneOf(p.key, ["name", "vars", "violates"]))
                }
            }
            if let l = entry.label {
                if seen.contains(l) { bag.error(e.location, "duplicate matrix entry name '\(l)'", expected: "a unique name per entry") }
                seen.insert(l)
            }
            out.append(entry)
        }
        return out
    }

    /// Replaces `${var}` scalars by the matrix value (keeping its type), and `${var}` inside
    /// longer text by its text. Places stay those of the original scalars.
    private func substitute(_ node: YNode, vars: [String: YNode]) -> YNode {
        switch node.value {
        case .string(let s, let q):
            if s.hasPrefix("${"), s.hasSuffix("}"), let v = vars[String(s.dropFirst(2).dropLast())] {
                return YNode(v.value, at: node.location)
            }
            guard s.contains("${") else { return node }
            var out = s
            for (k, v) in vars { if let t = v.scalarText { out = out.replacingOccurrences(of: "${\(k)}", with: t) } }
            return YNode(.string(out, quoted: q), at: node.location)
        case .mapping(let pairs):
            return YNode(.mapping(pairs.map { p in
                p.key == "matrix" ? p : YNode.Pair(key: p.key, keyLocation: p.keyLocation, value: substitute(p.value, vars: vars))
            }), at: node.location)
        case .sequence(let items):
            return YNode(.sequence(items.map { substitute($0, vars: vars) }), at: node.location)
        default:
            return node
        }
    }
}
