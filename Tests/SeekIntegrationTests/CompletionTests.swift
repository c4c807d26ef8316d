import Foundation
import SeekTestSupport
import Testing

/// `seek --generate-completion-script` comes from swift-argument-parser; it must survive seek's own `main` (exit
/// codes, `subcommandFirst`), and the bash script must complete for real.
@Suite(.timeLimit(.minutes(1)))
struct CompletionTests {
    @Test func bashScriptIsPrintedAndCompletesSubcommandsAndOptionValues() async throws {
        let script = try await DaemonHarness.runTool("seek", ["--generate-completion-script", "bash"])
        #expect(script.status == 0)
        #expect(script.standardError.isEmpty)
        #expect(script.standardOutput.hasPrefix("#!/bin/bash"))
        #expect(script.standardOutput.contains("complete -o filenames -F _seek seek"))

        // Source it in a real bash and ask for completions as bash would on <Tab>.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "seek-completion-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scriptPath = directory + "/seek.bash"
        try Data(script.standardOutput.utf8).write(to: URL(fileURLWithPath: scriptPath))
        let driver = """
            source "$1"
            complete_line() {
                COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
                read -ra COMP_WORDS <<< "$COMP_LINE"
                [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
                COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
                COMPREPLY=()
                _seek seek "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                echo "${COMPREPLY[*]}"
            }
            complete_line "seek sta"
            complete_line "seek search --color "
            """
        let completed = try await DaemonHarness.runExternal("/bin/bash", ["-c", driver, "bash", scriptPath])
        #expect(completed.status == 0, "\(completed.standardError)")
        #expect(completed.standardOutput == "status\nauto always never\n", "\(completed.standardError)")
    }

    @Test(arguments: [("zsh", "#compdef seek"), ("fish", "complete -c 'seek'")])
    func zshAndFishScriptsArePrinted(shell: String, expected: String) async throws {
        let script = try await DaemonHarness.runTool("seek", ["--generate-completion-script", shell])
        #expect(script.status == 0)
        #expect(script.standardOutput.contains(expected))
    }
}
