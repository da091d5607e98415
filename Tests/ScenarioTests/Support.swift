import Foundation
import Testing
@testable import Scenario

enum Repo {
    /// The package root, from this file's place (Tests/ScenarioTests/Support.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let scenarios = root.appendingPathComponent("Scenarios").path
}

/// All scenario tests run one at a time: the network's shared test PKI is built once behind a
/// lock that waits on a detached task, which needs a free cooperative thread; parallel tests
/// that all block would starve it (seen as a hang on 2 cores).
@Suite(.serialized) enum AllScenarioTests {}
