import Foundation
import Testing
@testable import Scenario

extension AllScenarioTests {

/// Each test writes a small broken scenario and checks the exact FILE:LINE:COL and wording.
struct ValidationTests {
    static let network = """
    network:
      actors:
        caller: {role: ue}
        callee: {role: ue}
        pcscf: {role: pcscf}
        scscf: {role: scscf}
      subscribers:
        caller: {impus: ["sip:caller@ims.example"], tn: "+15551230001", password: pw}
        callee: {impus: ["sip:callee@ims.example"], tn: "+15551230002", password: pw}
      links:
        - between: [caller, pcscf]
        - between: [pcscf, scscf]
        - between: [scscf, callee]

    """

    func load(_ text: String, files: [String: String] = [:], path: String = "t.yaml") -> LoadedFile {
        let all = files.merging([path: text]) { a, _ in a }
        return ScenarioLoader(readFile: { p in all[p] ?? all[(p as NSString).lastPathComponent] }).load(text: text, path: path)
    }

    func diagnostics(_ text: String) -> [String] { load(text).diagnostics.map(\.description) }

    @Test func validFileHasNoErrors() {
        let f = load("name: ok\n" + Self.network + """
        steps:
          - register: caller
          - register: callee
          - call: {from: caller, to: callee, headers: {P-Preferred-Identity: "${caller.impu}"}}
          - advance: 500ms
          - answer: call
        assert:
          - id: pai
            never: {at: scscf, header: P-Asserted-Identity, equals: "${callee.impu}"}
          - call: {established: true}
        """)
        #expect(f.diagnostics.isEmpty, "\(f.diagnostics)")
        #expect(f.cases.count == 1)
        #expect(f.cases.first?.steps.count == 5)
        if case .advance(let ms)? = f.cases.first?.steps[3].kind { #expect(ms == 500) } else { Issue.record("no advance") }
    }

    @Test func unknownTopLevelKeySuggestsClosest() {
        let d = diagnostics("name: x\nstpes: []\n" + Self.network)
        #expect(d.contains("t.yaml:2:1: error: unknown key 'stpes' in scenario; expected 'steps' (did you mean it?); one of assert, description, include, matrix, mode, name, network, seed, steps, tags"))
    }

    @Test func wrongTypeOfSeed() {
        let d = diagnostics("name: x\nseed: lots\n" + Self.network + "steps: []\n")
        #expect(d == ["t.yaml:2:7: error: seed is a string; expected a non-negative integer"])
    }

    @Test func unknownActorInStep() {
        let d = diagnostics("name: x\n" + Self.network + "steps:\n  - register: calle\n")
        #expect(d.contains { $0.hasPrefix("t.yaml:16:15: error: unknown actor 'calle'; expected 'callee' (did you mean it?)") }, "\(d)")
    }

    @Test func unknownRole() {
        let d = diagnostics("name: x\nnetwork:\n  actors:\n    p: {role: pcsf}\nsteps: []\n")
        #expect(d.contains { $0.hasPrefix("t.yaml:4:15: error: unknown role 'pcsf'; expected 'pcscf' (did you mean it?)") }, "\(d)")
    }

    @Test func unknownPolicySwitch() {
        let d = diagnostics("name: x\nnetwork:\n  actors:\n    p:\n      role: pcscf\n      policy: {strip_untrusted_pia: false}\nsteps: []\n")
        #expect(d.contains { $0.hasPrefix("t.yaml:6:16: error: unknown policy switch 'strip_untrusted_pia' for role pcscf; expected 'strip_untrusted_pai' (did you mean it?)") }, "\(d)")
    }

    @Test func policyOfWrongType() {
        let d = diagnostics("name: x\nnetwork:\n  actors:\n    p:\n      role: pcscf\n      policy: {require_registration: maybe}\nsteps: []\n")
        #expect(d == ["t.yaml:6:38: error: policy 'require_registration' is a string; expected a boolean"])
    }

    @Test func undefinedTemplateVariable() {
        let d = diagnostics("name: x\n" + Self.network + """
        steps:
          - call: {from: caller, to: callee, headers: {P-Preferred-Identity: "<${calller.impu}>"}}
        """)
        #expect(d.contains { $0.hasPrefix("t.yaml:16:72: error: undefined template variable 'calller.impu'; expected 'caller' (did you mean it?)") }, "\(d)")
    }

    @Test func unknownTemplateField() {
        let d = diagnostics("name: x\n" + Self.network + "steps:\n  - call: {from: caller, to: \"${callee.imsi}\"}\n")
        #expect(d.contains { $0.hasPrefix("t.yaml:16:31: error: subscriber 'callee' has no field 'imsi'") }, "\(d)")
    }

    @Test func yamlSyntaxErrorHasItsMark() {
        let d = diagnostics("name: x\nsteps:\n  - register: [caller\n")
        #expect(d.count == 1)
        #expect(d.first?.hasPrefix("t.yaml:4:1: error: YAML syntax: did not find expected ',' or ']'") == true, "\(d)")
    }

    @Test func badDurations() {
        let d = diagnostics("name: x\n" + Self.network + "steps:\n  - advance: 61 sec\n  - advance: 1.5s\n  - advance: 500ms\n")
        #expect(d == [
            "t.yaml:16:14: error: bad duration '61 sec'; expected a whole number with a unit: ms, s, m or h (e.g. 500ms, 61s)",
            "t.yaml:17:14: error: bad duration '1.5s'; expected a whole number with a unit: ms, s, m or h (e.g. 500ms, 61s)",
        ])
    }

    @Test func unknownStepAndAssertion() {
        let d = diagnostics("name: x\n" + Self.network + "steps:\n  - regster: caller\nassert:\n  - evently: {at: scscf}\n")
        #expect(d.contains { $0.hasPrefix("t.yaml:16:5: error: unknown step 'regster'; expected 'register' (did you mean it?)") }, "\(d)")
        #expect(d.contains { $0.hasPrefix("t.yaml:18:5: error: unknown assertion 'evently'; expected 'eventually' (did you mean it?)") }, "\(d)")
    }

    @Test func unknownAttackActionAndMissingParameter() {
        let d = diagnostics("name: x\n" + Self.network + """
        steps:
          - attack: {action: spoof_heder, header: X}
          - attack: {action: set_header, link: [caller, pcscf], header: P-Asserted-Identity}
        """)
        #expect(d.contains { $0.hasPrefix("t.yaml:16:22: error: unknown attack action 'spoof_heder'; expected 'spoof_header' (did you mean it?)") }, "\(d)")
        #expect(d.contains("t.yaml:17:13: error: attack set_header has no 'value'; expected value: for set_header (needs header, value)"), "\(d)")
    }

    @Test func severalErrorsInOneFileAreSortedByPlace() {
        let d = diagnostics("name: x\nseed: -1\n" + Self.network + "steps:\n  - register: nobody\n  - advance: soon\n")
        #expect(d.count == 3)
        #expect(d[0].hasPrefix("t.yaml:2:7:"))
        #expect(d[1].hasPrefix("t.yaml:17:15:"))
        #expect(d[2].hasPrefix("t.yaml:18:14:"))
    }

    @Test func wrongRoleForStep() {
        let d = diagnostics("name: x\n" + Self.network + "steps:\n  - register: pcscf\n")
        #expect(d == ["t.yaml:16:15: error: actor 'pcscf' has role pcscf; expected an actor with role ue"])
    }

    @Test func unknownCallAndStatus() {
        let d = diagnostics("name: x\n" + Self.network + """
        steps:
          - call: {from: caller, to: callee, id: c1}
          - answer: c2
        assert:
          - eventually: {at: caller, status: 99}
        """)
        #expect(d.contains { $0.hasPrefix("t.yaml:17:13: error: unknown call 'c2'; expected 'c1' (did you mean it?)") }, "\(d)")
        #expect(d.contains("t.yaml:19:38: error: status is '99'; expected a SIP status code 100-699 or a class such as 4xx"), "\(d)")
    }

    @Test func duplicateKeyIsReported() {
        let d = diagnostics("name: x\nname: y\n")
        #expect(d.count == 1)
        #expect(d.first?.contains("duplicate key 'name'") == true, "\(d)")
    }

    @Test func includeMergesAndReportsErrorsInTheIncludedFile() {
        let common = "network:\n  actors:\n    pcscf: {role: pcscf}\n    caller: {role: ue}\n    bad: {role: nope}\n"
        let f = load("name: x\ninclude: common.yaml\nnetwork:\n  actors:\n    pcscf: {policy: {require_registration: false}}\nsteps:\n  - register: caller\n",
                     files: ["common.yaml": common])
        #expect(f.diagnostics.map(\.description).contains { $0.hasPrefix("common.yaml:5:17: error: unknown role 'nope'") }, "\(f.diagnostics)")
        let ok = load("name: x\ninclude: common.yaml\nnetwork:\n  actors:\n    pcscf: {policy: {require_registration: false}}\nsteps:\n  - register: caller\n",
                      files: ["common.yaml": "network:\n  actors:\n    pcscf: {role: pcscf}\n    caller: {role: ue}\n"])
        #expect(ok.diagnostics.isEmpty, "\(ok.diagnostics)")
        let pcscf = ok.cases.first?.network.actor("pcscf")
        #expect(pcscf?.role == "pcscf")
        #expect(pcscf?.policy["require_registration"]?.value == .bool(false))
    }

    @Test func includeCycleIsDetected() {
        let f = load("name: x\ninclude: a.yaml\nsteps: []\n", files: ["a.yaml": "include: b.yaml\n", "b.yaml": "include: a.yaml\n"])
        #expect(f.diagnostics.contains { $0.message.hasPrefix("include cycle") && $0.location.file == "b.yaml" && $0.location.line == 1 && $0.location.column == 10 },
                "\(f.diagnostics)")
    }

    @Test func matrixExpandsWithTypedVariablesAndViolations() {
        let f = load("name: x\n" + Self.network.replacingOccurrences(of: "pcscf: {role: pcscf}", with: "pcscf: {role: pcscf, policy: {trusts_ue_asserted_identity: \"${trusts}\"}}") + """
        steps:
          - register: caller
        assert:
          - id: no-ue-pai
            no_ue_pai_at_trusted: true
        matrix:
          - name: hardened
            vars: {trusts: false}
          - name: trusts-ue-pai
            vars: {trusts: true}
            violates: [no-ue-pai]
        """)
        #expect(f.diagnostics.isEmpty, "\(f.diagnostics)")
        #expect(f.cases.map(\.displayName) == ["x [hardened]", "x [trusts-ue-pai]"])
        #expect(f.cases[1].network.actor("pcscf")?.policy["trusts_ue_asserted_identity"]?.value == .bool(true))
        #expect(f.cases[1].expectViolated == ["no-ue-pai"])
    }

    @Test func violatesMustNameAnAssertion() {
        let d = diagnostics("name: x\n" + Self.network + "steps: []\nassert:\n  - id: a1\n    call: {established: false}\nmatrix:\n  - {name: m, violates: [a2]}\n")
        #expect(d.contains { $0.contains("violates names unknown assertion 'a2'") }, "\(d)")
    }

    @Test func fileWithoutStepsIsAFragment() {
        let f = load(Self.network)
        #expect(f.isFragment)
        #expect(f.diagnostics.isEmpty, "\(f.diagnostics)")
        #expect(f.cases.isEmpty)
    }

    @Test func garbageNeverCrashes() {
        for text in ["", "[]", "- a\n- b", "name: [", "\t\tname: x", "{{{{", "name: x\nsteps: 3\nassert: nope\nnetwork: 7",
                     "name: x\nnetwork: {actors: [1, 2]}\nsteps: [{}, [], 3, {register: {}}]\n", String(repeating: "[", count: 500)] {
            let f = load(text)
            #expect(!f.diagnostics.isEmpty || f.isFragment, "no error for \(text.debugDescription)")
        }
    }

    @Test func fallbackPolicyTableIsConsistentWithRoles() {
        for role in ScenarioCatalog.fallback.policies.keys { #expect(ScenarioCatalog.allRoles.contains(role)) }
    }
}
}
