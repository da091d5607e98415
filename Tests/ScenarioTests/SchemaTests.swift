import Foundation
import Testing
@testable import Scenario

extension AllScenarioTests {

/// A small JSON Schema (2020-12) subset validator: type, properties, required,
/// additionalProperties, patternProperties, enum, items, min/maxItems, oneOf, $ref, pattern,
/// minimum/maximum. Enough for scenario.schema.json; unknown keywords are ignored.
struct MiniSchema {
    let root: [String: Any]

    func errors(_ value: Any?, _ schema: Any, path: String = "$") -> [String] {
        guard let s = schema as? [String: Any] else { return [] }
        if let ref = s["$ref"] as? String {
            guard ref.hasPrefix("#/") else { return ["\(path): unsupported $ref \(ref)"] }
            var node: Any = root
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] as Any }
            return errors(value, node, path: path)
        }
        var out: [String] = []
        if let t = s["type"] {
            let types = (t as? [String]) ?? [t as? String ?? ""]
            if !types.contains(where: { Self.isType(value, $0) }) { return ["\(path): \(Self.describe(value)) is not \(types.joined(separator: "|"))"] }
        }
        if let e = s["enum"] as? [Any], !e.contains(where: { Self.equal($0, value) }) { out.append("\(path): \(Self.describe(value)) not in enum") }
        if let p = s["pattern"] as? String, let str = value as? String,
           str.range(of: p, options: .regularExpression) == nil { out.append("\(path): '\(str)' does not match \(p)") }
        if let n = Self.number(value) {
            if let m = s["minimum"] as? Double ?? (s["minimum"] as? Int).map(Double.init), n < m { out.append("\(path): \(n) < \(m)") }
            if let m = s["maximum"] as? Double ?? (s["maximum"] as? Int).map(Double.init), n > m { out.append("\(path): \(n) > \(m)") }
        }
        if let obj = value as? [String: Any] {
            let props = s["properties"] as? [String: Any] ?? [:]
            let patterns = s["patternProperties"] as? [String: Any] ?? [:]
            for r in s["required"] as? [String] ?? [] where obj[r] == nil { out.append("\(path): missing \(r)") }
            for (k, v) in obj.sorted(by: { $0.key < $1.key }) {
                var matched = false
                if let ps = props[k] { matched = true; out += errors(v, ps, path: "\(path).\(k)") }
                for (p, ps) in patterns where k.range(of: p, options: .regularExpression) != nil {
                    matched = true
                    out += errors(v, ps, path: "\(path).\(k)")
                }
                if !matched {
                    if let ap = s["additionalProperties"] as? Bool, !ap { out.append("\(path): unexpected key \(k)") }
                    else if let ap = s["additionalProperties"] as? [String: Any] { out += errors(v, ap, path: "\(path).\(k)") }
                }
            }
        }
        if let arr = value as? [Any] {
            if let m = s["minItems"] as? Int, arr.count < m { out.append("\(path): fewer than \(m) items") }
            if let m = s["maxItems"] as? Int, arr.count > m { out.append("\(path): more than \(m) items") }
            if let items = s["items"] { for (i, v) in arr.enumerated() { out += errors(v, items, path: "\(path)[\(i)]") } }
        }
        if let one = s["oneOf"] as? [Any] {
            let ok = one.filter { errors(value, $0, path: path).isEmpty }.count
            if ok != 1 { out.append("\(path): matches \(ok) of oneOf's \(one.count) alternatives") }
        }
        return out
    }

    static func isType(_ v: Any?, _ t: String) -> Bool {
        switch t {
        case "object": return v is [String: Any]
        case "array": return v is [Any]
        case "string": return v is String
        case "boolean": return v is Bool
        case "integer": return v is Int
        case "number": return v is Int || v is Double
        case "null": return v == nil || (v as Any?).map { "\($0)" == "nil" } == true
        default: return false
        }
    }
    static func number(_ v: Any?) -> Double? { (v as? Int).map(Double.init) ?? (v as? Double) }
    static func equal(_ a: Any, _ b: Any?) -> Bool {
        switch (a, b) {
        case (let x as String, let y as String): return x == y
        case (let x as Bool, let y as Bool): return x == y
        case (let x as Int, let y as Int): return x == y
        default: return false
        }
    }
    static func describe(_ v: Any?) -> String { v.map { "\($0)" } ?? "null" }
}

struct SchemaTests {
    static func schema() throws -> MiniSchema {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repo.scenarios + "/scenario.schema.json"))
        return MiniSchema(root: try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    /// YAML as the schema sees it (JSON-like values).
    static func json(_ text: String, file: String) throws -> Any? {
        guard case .success(let node) = YAMLLoad.parse(text, file: file) else { throw CocoaError(.fileReadCorruptFile) }
        return node.map(Self.plain)
    }

    static func plain(_ n: YNode) -> Any? {
        switch n.value {
        case .string(let s, _): return s
        case .int(let i): return i
        case .float(let d): return d
        case .bool(let b): return b
        case .null: return nil
        case .mapping(let p): return Dictionary(p.map { ($0.key, plain($0.value) as Any) }, uniquingKeysWith: { a, _ in a })
        case .sequence(let s): return s.map { plain($0) as Any }
        }
    }

    @Test func schemaDeclaresDraft2020() throws {
        let s = try Self.schema()
        #expect(s.root["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
    }

    @Test func everyShippedScenarioMatchesTheSchema() throws {
        let s = try Self.schema()
        let files = SuiteRunner.discover([Repo.scenarios]).files
        #expect(files.count >= 40)
        for f in files {
            let text = try String(contentsOfFile: f, encoding: .utf8)
            let errs = s.errors(try Self.json(text, file: f), s.root)
            #expect(errs.isEmpty, "\(f): \(errs.prefix(3))")
        }
    }

    @Test func schemaRejectsMistakes() throws {
        let s = try Self.schema()
        let cases = [
            "name: x\nstpes: []\n",                                                   // unknown key
            "name: x\nseed: -3\n",                                                    // minimum
            "name: x\nsteps:\n  - advance: 61 sec\n",                                 // duration pattern
            "name: x\nnetwork:\n  actors:\n    p: {role: pcsf}\n",                    // role enum
            "name: x\nassert:\n  - never: {at: a}\n    eventually: {at: b}\n",        // oneOf: two kinds
            "name: x\nsteps:\n  - attack: {action: spoof_heder}\n",                    // action enum
        ]
        for text in cases {
            #expect(!s.errors(try Self.json(text, file: "t.yaml"), s.root).isEmpty, "schema accepted: \(text)")
        }
    }
}
}
