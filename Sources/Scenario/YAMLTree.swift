import Yams

/// A YAML node with its place, detached from Yams (whose nodes are not Sendable) so
/// scenarios can be loaded once and run on many threads.
public struct YNode: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        case string(String, quoted: Bool)
        case int(Int)
        case float(Double)
        case bool(Bool)
        case null
        case mapping([Pair])
        case sequence([YNode])
    }
    public struct Pair: Sendable, Hashable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: YNode
    }

    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    public var typeName: String {
        switch value {
        case .string: return "a string"
        case .int: return "an integer"
        case .float: return "a number"
        case .bool: return "a boolean"
        case .null: return "nothing (null)"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    public var pairs: [Pair]? { if case .mapping(let p) = value { return p }; return nil }
    public var items: [YNode]? { if case .sequence(let s) = value { return s }; return nil }

    /// Scalars as text (numbers and booleans too, as written), for string-typed fields.
    public var scalarText: String? {
        switch value {
        case .string(let s, _): return s
        case .int(let i): return String(i)
        case .float(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    public subscript(key: String) -> YNode? { pairs?.first { $0.key == key }?.value }

    /// Plain Swift value (for JSON-schema checks and reports).
    public var plain: Any {
        switch value {
        case .string(let s, _): return s
        case .int(let i): return i
        case .float(let d): return d
        case .bool(let b): return b
        case .null: return Optional<Int>.none as Any
        case .mapping(let p): return Dictionary(p.map { ($0.key, $0.value.plain) }, uniquingKeysWith: { a, _ in a })
        case .sequence(let s): return s.map(\.plain)
        }
    }
}

enum YAMLLoad {
    /// Parses text into a tree; a syntax error becomes a diagnostic at the mark Yams gives.
    static func parse(_ text: String, file: String) -> Result<YNode?, Diagnostic> {
        do {
            guard let node = try Yams.compose(yaml: text) else { return .success(nil) }
            var bad: Diagnostic?
            let tree = convert(node, file: file, bad: &bad)
            if let bad { return .failure(bad) }
            return .success(tree)
        } catch let e as YamlError {
            return .failure(diagnostic(e, file: file))
        } catch {
            return .failure(Diagnostic(SourceLocation(file: file, line: 1, column: 1),
                                       "cannot read YAML: \(error)", expected: "a YAML document"))
        }
    }

    static func diagnostic(_ e: YamlError, file: String) -> Diagnostic {
        func at(_ m: Mark) -> SourceLocation { SourceLocation(file: file, line: m.line, column: m.column) }
        switch e {
        case let .scanner(ctx, problem, mark, _), let .parser(ctx, problem, mark, _), let .composer(ctx, problem, mark, _):
            var what = "YAML syntax: \(problem)"
            if let ctx { what += " (\(ctx.text) at \(ctx.mark.line):\(ctx.mark.column))" }
            return Diagnostic(at(mark), what, expected: "well-formed YAML (check indentation, quotes and ':')")
        case let .duplicatedKeysInMapping(dups, ctx):
            return Diagnostic(at(ctx.mark), "duplicate key \(dups.map { "'\($0)'" }.joined(separator: ", ")) in mapping",
                              expected: "each key once per mapping")
        case let .reader(problem, _, _, _):
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), "YAML reader: \(problem)", expected: "UTF-8 text")
        default:
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), "YAML: \(e)", expected: "a YAML document")
        }
    }

    private static func convert(_ node: Node, file: String, bad: inout Diagnostic?) -> YNode {
        let loc = node.mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
            ?? SourceLocation(file: file, line: 1, column: 1)
        switch node {
        case .scalar(let s):
            let quoted = s.style != .plain
            if quoted { return YNode(.string(s.string, quoted: true), at: loc) }
            // Tag.name is internal; rawValue gives the resolved tag.
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return YNode(.null, at: loc)
            case .bool: return YNode(node.bool.map { .bool($0) } ?? .string(s.string, quoted: false), at: loc)
            case .int: return YNode(node.int.map { .int($0) } ?? .string(s.string, quoted: false), at: loc)
            case .float: return YNode(node.float.map { .float($0) } ?? .string(s.string, quoted: false), at: loc)
            default: return YNode(.string(s.string, quoted: false), at: loc)
            }
        case .mapping(let m):
            var pairs: [YNode.Pair] = []
            for (k, v) in m {
                let kl = k.mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) } ?? loc
                guard case .scalar(let ks) = k else {
                    if bad == nil { bad = Diagnostic(kl, "a mapping key must be a plain word", expected: "a scalar key") }
                    continue
                }
                pairs.append(YNode.Pair(key: ks.string, keyLocation: kl, value: convert(v, file: file, bad: &bad)))
            }
            return YNode(.mapping(pairs), at: loc)
        case .sequence(let s):
            return YNode(.sequence(s.map { convert($0, file: file, bad: &bad) }), at: loc)
        case .alias:
            return YNode(.null, at: loc)
        }
    }
}
