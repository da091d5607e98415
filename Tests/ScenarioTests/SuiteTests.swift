import Foundation
import Network
import Reports
import Testing
@testable import Scenario

extension AllScenarioTests {

struct SuiteTests {
    static let runner = SuiteRunner()

    @Test func shippedSuiteLoadsAndPasses() throws {
        let loaded = Self.runner.load([Repo.scenarios])
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics.prefix(5))")
        let runnable = Set(loaded.cases.map(\.file))
        #expect(runnable.count >= 40, "only \(runnable.count) scenario files")
        let result = Self.runner.run(loaded.cases, options: SuiteRunner.Options())
        for r in result.suite.scenarios where r.verdict != .passed {
            Issue.record("\(r.displayName): \(r.error ?? "") \(r.failures.map { "\($0.assertion): \($0.message)" })")
        }
        #expect(result.exitCode == 0)
        // Every scenario names its catalogue row or says it has none.
        for c in loaded.cases {
            #expect(c.description.contains("Catalogue #") || c.description.contains("no catalogue row"), "\(c.file)")
        }
    }

    @Test func flippedMisconfigurationExpectationFailsWithEvidence() throws {
        let f = ScenarioLoader(catalog: .network).load(path: Repo.scenarios + "/identity/ue-spoofed-pai.yaml")
        var misconfigured = try #require(f.cases.first { $0.matrixLabel == "pcscf-trusts-ue-pai" })
        #expect(ScenarioEngine().run(misconfigured).report.verdict == .passed)
        // Flip: claim the misconfigured network is secure.
        misconfigured.expectViolated = []
        let out = ScenarioEngine().run(misconfigured)
        #expect(out.report.verdict == .failed)
        let failure = try #require(out.report.failures.first)
        #expect(failure.assertion.contains("ue-spoofed-pai.yaml:"))
        let evidence = try #require(failure.evidence)
        #expect(evidence.hop == "pcscf -> scscf")
        #expect(evidence.excerpt.contains("P-Asserted-Identity: <sip:ceo@ims.example>"), "\(evidence.excerpt)")
        #expect(evidence.time.hasPrefix("t="))
        #expect(out.report.messages.contains { $0.failed }, "diagram marks the offending message")
    }

    @Test func hardenedExpectationFlippedAlsoFails() throws {
        let f = ScenarioLoader(catalog: .network).load(path: Repo.scenarios + "/identity/privacy-id-leaves-domain.yaml")
        var hardened = try #require(f.cases.first { $0.matrixLabel == "hardened" })
        hardened.expectViolated = ["privacy"]
        let out = ScenarioEngine().run(hardened)
        #expect(out.report.verdict == .failed)
        #expect(out.report.failures.first?.message.contains("expected 'privacy' to be violated") == true)
    }

    @Test func sameSeedGivesIdenticalJSON() throws {
        let loaded = Self.runner.load([Repo.scenarios + "/identity"])
        var options = SuiteRunner.Options()
        options.seed = 42
        options.jobs = 4
        let a = try JSONReportWriter.data(for: SuiteRunner.deterministic(Self.runner.run(loaded.cases, options: options)))
        options.jobs = 1
        let b = try JSONReportWriter.data(for: SuiteRunner.deterministic(Self.runner.run(loaded.cases, options: options)))
        #expect(a == b)
        // The seed reaches the network: traces differ under another seed.
        let c = loaded.cases[0]
        let t1 = ScenarioEngine().run(c, seed: 1).trace.map(\.bytes)
        let t2 = ScenarioEngine().run(c, seed: 2).trace.map(\.bytes)
        // Same seed, same trace. (Compared as event lines: ES256 signatures from swift-crypto
        // use a random nonce, so Identity header bytes differ between runs.)
        #expect(ScenarioEngine().run(c, seed: 1).trace.map(\.line) == ScenarioEngine().run(c, seed: 1).trace.map(\.line))
        #expect(t1 != t2, "Call-IDs, tags and branches come from the seed")
    }

    /// Without a pcap to write, traces are dropped as cases finish; the reports are the same.
    @Test func runWithoutTracesKeepsTheSameReports() throws {
        let loaded = Self.runner.load([Repo.scenarios + "/identity"])
        var options = SuiteRunner.Options()
        options.seed = 7
        let kept = Self.runner.run(loaded.cases, options: options)
        options.keepsTraces = false
        let dropped = Self.runner.run(loaded.cases, options: options)
        #expect(kept.outcomes.contains { !$0.trace.isEmpty })
        #expect(dropped.outcomes.allSatisfy { $0.trace.isEmpty })
        #expect(try JSONReportWriter.data(for: SuiteRunner.deterministic(kept))
                == JSONReportWriter.data(for: SuiteRunner.deterministic(dropped)))
    }

    @Test func shardsCoverTheSuiteExactlyOnce() {
        let cases = Self.runner.load([Repo.scenarios]).cases
        var seen: [String] = []
        for i in 1...3 {
            var o = SuiteRunner.Options()
            o.shard = (i, 3)
            seen += SuiteRunner.select(cases, options: o).map { "\($0.file)#\($0.matrixIndex ?? -1)" }
        }
        #expect(seen.count == cases.count)
        #expect(Set(seen).count == cases.count)
    }

    @Test func filterByTagOrName() {
        let cases = Self.runner.load([Repo.scenarios]).cases
        var o = SuiteRunner.Options()
        o.filter = "registration"
        let picked = SuiteRunner.select(cases, options: o)
        #expect(!picked.isEmpty && picked.allSatisfy { $0.tags.contains("registration") || $0.displayName.lowercased().contains("registration") })
    }

    @Test func fragmentsAreNotRun() {
        let f = ScenarioLoader(catalog: .network).load(path: Repo.scenarios + "/common/home.yaml")
        #expect(f.isFragment && f.diagnostics.isEmpty && f.cases.isEmpty)
    }

    @Test func networkErrorBecomesAnErrorVerdictWithPlace() throws {
        let text = """
        name: bad target
        include: \(Repo.scenarios)/common/home.yaml
        steps:
          - register: caller
          - call: {from: caller, to: "mailto:x@y"}
        """
        let f = ScenarioLoader(catalog: .network).load(text: text, path: "t.yaml")
        let c = try #require(f.cases.first, "\(f.diagnostics)")
        let out = ScenarioEngine().run(c)
        #expect(out.report.verdict == .error)
        #expect(out.report.error?.hasPrefix("t.yaml:5:5: call:") == true, "\(out.report.error ?? "")")
    }

    /// Attacker marks go to the message the attacker touched, not to whatever is delivered next
    /// (a 100 Trying arrives on another hop between the re-signing and the INVITE's delivery).
    @Test func diagramMarksOnlyTheAttackedMessages() throws {
        let f = ScenarioLoader(catalog: .network).load(path: Repo.scenarios + "/identity/rcd-jcd-with-jcl.yaml")
        let c = try #require(f.cases.first { $0.matrixLabel == "hardened" })
        let rows = ScenarioEngine().run(c).report.messages
        let marked = rows.filter(\.attacker)
        #expect(!marked.isEmpty)
        for r in marked {
            #expect(r.label.hasPrefix("INVITE") && Set([r.from, r.to]) == ["scscf", "sti-vs"], "\(r.from) -> \(r.to) \(r.label): \(r.note ?? "")")
        }
    }

    /// A dropped message has a row of its own (it is never delivered), and the drop marks nothing else.
    @Test func diagramShowsAnAttackerDropAsItsOwnRow() throws {
        let text = """
            name: drop
            include: \(Repo.scenarios)/common/home.yaml
            steps:
              - register: caller
              - register: callee
              - attack: {action: drop, link: [pcscf, scscf], method: INVITE}
              - call: {from: caller, to: callee}
            assert:
              - call: {established: false}
            """
        let f = ScenarioLoader(catalog: .network).load(text: text, path: "drop.yaml")
        let c = try #require(f.cases.first, "\(f.diagnostics)")
        let rows = ScenarioEngine().run(c).report.messages
        let dropped = rows.filter { $0.attacker && $0.dropped }
        #expect(!dropped.isEmpty)
        #expect(dropped.allSatisfy { $0.label.hasPrefix("INVITE") && $0.note == AttackAction.droppedNote })
        #expect(!rows.contains { !$0.dropped && $0.note == AttackAction.droppedNote })
    }

    /// The validator's fallback table and the network's catalogue must agree.
    @Test func fallbackPolicyTableMatchesNetworkCatalogue() {
        let net = ScenarioCatalog.network
        #expect(Set(net.roles) == Set(ScenarioCatalog.fallback.roles))
        for role in net.roles {
            let a = net.policies[role] ?? [:], b = ScenarioCatalog.fallback.policies[role] ?? [:]
            #expect(a == b, "role \(role): network \(a.keys.sorted()) vs fallback \(b.keys.sorted())")
        }
    }

    @Test func unknownPolicyFromNetworkCatalogueIsReported() {
        let f = ScenarioLoader(catalog: .network).load(text: "name: x\nnetwork:\n  actors:\n    v:\n      role: sti-vs\n      policy: {check_freshnes: false}\nsteps: []\n", path: "t.yaml")
        #expect(f.diagnostics.map(\.description).contains { $0.hasPrefix("t.yaml:6:16: error: unknown policy switch 'check_freshnes' for role sti-vs; expected 'check_freshness' (did you mean it?)") }, "\(f.diagnostics)")
    }
}
}
