import Foundation
import Testing
@testable import Scenario

extension AllScenarioTests {

/// `mode:`, `listen:` and `external:`, and what a scenario may not ask of a real system.
struct LiveSyntaxTests {
    static func file(pcscf: String = "{role: pcscf, external: \"udp:127.0.0.1:5060\"}", callee: String = "{role: ue}",
                     steps: String = "  - register: caller\n", assertions: String = "") -> String {
        """
        name: live
        mode: live
        network:
          actors:
            caller: {role: ue, listen: "udp:127.0.0.1:0"}
            callee: \(callee)
            pcscf: \(pcscf)
            scscf: {role: scscf, listen: "udp:127.0.0.1:5070"}
            sti-vs: {role: sti-vs, external: "udp:[::1]:5092"}
          subscribers:
            caller: {impus: ["sip:caller@ims.test"], password: pw}
            callee: {impus: ["sip:callee@ims.test"], password: pw}
          links:
            - between: [caller, pcscf]
            - between: [callee, pcscf]
            - between: [pcscf, scscf]
            - between: [scscf, sti-vs]
        steps:
        \(steps)assert:
          - never: {at: callee, method: BYE}
        \(assertions)
        """
    }

    func diagnostics(_ text: String) -> [String] {
        ScenarioLoader(catalog: .network).load(text: text, path: "t.yaml").diagnostics.map(\.description)
    }

    @Test func validLiveFileLoadsWithItsBindings() throws {
        let f = ScenarioLoader(catalog: .network).load(text: Self.file(pcscf: """
            {role: pcscf, external: {address: "udp:127.0.0.1:5060", per_peer: {scscf: "udp:127.0.0.1:5062"}}}
            """), path: "t.yaml")
        #expect(f.diagnostics.isEmpty, "\(f.diagnostics)")
        let c = try #require(f.cases.first)
        #expect(c.live)
        #expect(c.network.actor("pcscf")?.live == .external(address: "udp:127.0.0.1:5060", perPeer: ["scscf": "udp:127.0.0.1:5062"]))
        #expect(c.network.actor("caller")?.live == .listen("udp:127.0.0.1:0"))
        #expect(c.network.actor("sti-vs")?.live == .external(address: "udp:[::1]:5092", perPeer: [:]))
        #expect(c.network.actor("callee")?.live == nil)
    }

    @Test func malformedEndpointIsReportedWithItsPlace() {
        let d = diagnostics(Self.file(pcscf: "{role: pcscf, external: \"udp:127.0.0.1\"}"))
        #expect(d == ["t.yaml:7:36: error: external 'udp:127.0.0.1' is not an endpoint; expected udp:HOST:PORT, tcp:HOST:PORT or tls:HOST:PORT (IPv6 in brackets, e.g. udp:[::1]:5060)"])
    }

    @Test func listenAndExternalTogetherAreRefused() {
        let d = diagnostics(Self.file(pcscf: "{role: pcscf, listen: \"udp:127.0.0.1:1\", external: \"udp:127.0.0.1:2\"}"))
        #expect(d.count == 1 && d[0].contains("actor 'pcscf' has both listen and external"), "\(d)")
    }

    @Test func perPeerNamesAKnownActor() {
        let d = diagnostics(Self.file(pcscf: "{role: pcscf, external: {address: \"udp:127.0.0.1:5060\", per_peer: {scsf: \"udp:127.0.0.1:5062\"}}}"))
        #expect(d.count == 1 && d[0].contains("unknown actor 'scsf' in per_peer") && d[0].contains("scscf"), "\(d)")
    }

    @Test func unknownModeIsReported() {
        let d = diagnostics(Self.file().replacingOccurrences(of: "mode: live", with: "mode: real"))
        #expect(d == ["t.yaml:2:7: error: unknown mode 'real'; expected live or simulated"])
    }

    @Test func theHarnessCannotDriveAnExternalUE() {
        let d = diagnostics(Self.file(callee: "{role: ue, external: \"udp:127.0.0.1:5999\"}",
                                      steps: "  - register: caller\n  - register: callee\n  - call: {from: callee, to: caller}\n"))
        #expect(d.count == 2, "\(d)")
        #expect(d.allSatisfy { $0.contains("actor 'callee' is external (a real system)") })
        #expect(d.first?.hasPrefix("t.yaml:20:5:") == true, "\(d)")
    }

    @Test func assertionsInsideARealSystemAreRejectedAtCheckTime() {
        let d = diagnostics(Self.file(callee: "{role: ue, external: \"udp:127.0.0.1:5999\"}", steps: "  - register: caller\n",
                                      assertions: "  - display: {at: callee, verstat: TN-Validation-Passed}\n  - verdict: {result: valid}\n  - verdict: {at: sti-vs, status: 438}\n"))
        #expect(d.count == 3, "\(d)")
        #expect(d[0].contains("actor 'callee' is external (a real system): what its user is shown is inside it"))
        #expect(d[1].contains("actor 'sti-vs' is external (a real system): its verification verdict is inside it"))
        #expect(d[2].contains("actor 'sti-vs' is external"))
        // What crosses the sockets stays assertable.
        #expect(diagnostics(Self.file(assertions: "  - eventually: {at: scscf, from: sti-vs, status: 438}\n")).isEmpty)
    }
}

}
