import Foundation
internal import Yams

/// Who is who in a capture: addresses (optionally ports) mapped to actor roles and trust
/// domains, read from ROLES.yaml:
///
/// ```yaml
/// trusted_domains: [home]          # Spec(T): domains inside the trust domain
/// terminating_domains: [term]      # INVITEs entering these must carry a verifying Identity
/// nodes:
///   - {name: alice, role: ue, address: "10.0.0.10", domain: home}
///   - {name: pcscf, role: pcscf, address: "10.0.0.2:5060", domain: home}
/// ```
/// A node with a port matches only that port; one without matches every port of the
/// address. Port-specific nodes win. Unknown addresses are outside every domain.
public struct CaptureRoles: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var name: String
        public var role: String
        public var address: IPAddress
        public var port: UInt16?
        public var domain: String?
        public init(name: String, role: String, address: IPAddress, port: UInt16? = nil, domain: String? = nil) {
            self.name = name; self.role = role; self.address = address; self.port = port; self.domain = domain
        }
    }

    public static let knownRoles: Set<String> = ["ue", "pcscf", "scscf", "icscf", "ibcf", "sti-as", "sti-vs", "enterprise",
                                                 "tas", "as", "attacker", "dcsf", "mf", "nrf", "bgcf", "mgcf", "sbc", "peer"]

    public var nodes: [Node]
    public var trustedDomains: Set<String>
    public var terminatingDomains: Set<String>

    public init(nodes: [Node], trustedDomains: Set<String>, terminatingDomains: Set<String> = []) {
        self.nodes = nodes
        self.trustedDomains = trustedDomains
        self.terminatingDomains = terminatingDomains
    }

    public struct LoadError: Error, CustomStringConvertible, Equatable {
        public var file: String
        public var message: String
        public var description: String { "\(file): \(message)" }
    }

    public static func load(path: String) throws(LoadError) -> CaptureRoles {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(file: path, message: "cannot read file") }
        guard data.count <= 1 << 20 else { throw LoadError(file: path, message: "larger than 1 MiB") }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String = "<roles>") throws(LoadError) -> CaptureRoles {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch { throw LoadError(file: file, message: "not YAML: \(error)") }
        guard let map = root as? [String: Any] else { throw LoadError(file: file, message: "expected a mapping at the top level") }
        for key in map.keys where !["nodes", "trusted_domains", "terminating_domains"].contains(key) {
            throw LoadError(file: file, message: "unknown key \"\(key)\" (expected nodes, trusted_domains, terminating_domains)")
        }
        func strings(_ key: String) throws(LoadError) -> Set<String> {
            guard let v = map[key] else { return [] }
            guard let list = v as? [Any], list.allSatisfy({ $0 is String }) else { throw LoadError(file: file, message: "\(key) must be a list of names") }
            return Set(list.compactMap { $0 as? String })
        }
        guard let rawNodes = map["nodes"] as? [Any] else { throw LoadError(file: file, message: "nodes must be a list") }
        var nodes: [Node] = []
        for (i, raw) in rawNodes.enumerated() {
            guard let n = raw as? [String: Any] else { throw LoadError(file: file, message: "nodes[\(i)] must be a mapping") }
            for key in n.keys where !["name", "role", "address", "domain"].contains(key) {
                throw LoadError(file: file, message: "nodes[\(i)]: unknown key \"\(key)\"")
            }
            guard let role = n["role"] as? String, knownRoles.contains(role) else {
                throw LoadError(file: file, message: "nodes[\(i)]: role must be one of \(knownRoles.sorted().joined(separator: ", "))")
            }
            guard let addrText = n["address"] as? String else { throw LoadError(file: file, message: "nodes[\(i)]: address missing (quote it)") }
            let address: IPAddress, port: UInt16?
            if let ep = Endpoint(parsing: addrText) {
                address = ep.address; port = ep.port
            } else if let a = IPAddress(addrText) {
                address = a; port = nil
            } else {
                throw LoadError(file: file, message: "nodes[\(i)]: \"\(addrText)\" is not ADDRESS or ADDRESS:PORT ([v6]:port)")
            }
            let name = (n["name"] as? String) ?? "\(role)@\(addrText)"
            nodes.append(Node(name: name, role: role, address: address, port: port, domain: n["domain"] as? String))
        }
        return CaptureRoles(nodes: nodes, trustedDomains: try strings("trusted_domains"), terminatingDomains: try strings("terminating_domains"))
    }

    /// The node at `endpoint` (port-specific entries first).
    public func node(at endpoint: Endpoint) -> Node? {
        nodes.first { $0.address == endpoint.address && $0.port == endpoint.port }
            ?? nodes.first { $0.address == endpoint.address && $0.port == nil }
    }

    public func isTrusted(_ endpoint: Endpoint) -> Bool {
        guard let d = node(at: endpoint)?.domain else { return false }
        return trustedDomains.contains(d)
    }

    public func isTerminating(_ endpoint: Endpoint) -> Bool {
        guard let d = node(at: endpoint)?.domain else { return false }
        return terminatingDomains.contains(d)
    }
}
