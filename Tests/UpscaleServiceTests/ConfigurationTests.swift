import Foundation
import Testing
@testable import UpscaleService

@Suite struct ConfigurationTests {
    @Test func flagsWinOverEnvironmentVariables() throws {
        let sources = ConfigurationSources(
            flags: [.port: "9000", .logFormat: "text"],
            environment: ["SMSR_PORT": "7000", "SMSR_WORKERS": "3", "SMSR_LOG_FORMAT": "json", "SMSR_REQUEST_TIMEOUT": "500ms",
                          "SMSR_QUEUE_CAPACITY": "", "SMSR_MAX_PIXELS": "1000"])
        let c = try sources.serviceConfiguration(cores: 8)
        #expect(c.port == 9000 && c.logFormat == .text, "flags win")
        #expect(c.workers == 3 && c.threadsPerJob == 2, "from the environment, threads filling the budget")
        #expect(c.requestTimeout == .milliseconds(500) && c.maxPixels == 1000)
        #expect(c.queueCapacity == ServiceConfiguration().queueCapacity, "an empty variable is unset")
    }

    @Test func badValuesNameWhereTheyCameFrom() {
        func failure(_ flags: [ConfigurationSources.Key: String], _ environment: [String: String]) -> String {
            do {
                _ = try ConfigurationSources(flags: flags, environment: environment).serviceConfiguration(cores: 2)
                return ""
            } catch {
                return error.description
            }
        }
        #expect(failure([:], ["SMSR_PORT": "http"]).hasPrefix("SMSR_PORT must be an integer"))
        #expect(failure([.port: "70000"], [:]).hasPrefix("--port must be an integer from 0 to 65535"))
        #expect(failure([.requestTimeout: "soon"], [:]).contains("--request-timeout must be a positive duration"))
        #expect(failure([.logFormat: "xml"], [:]).contains("text or json"))
        #expect(failure([.apiKeysFile: "/nonexistent/keys"], [:]).contains("cannot read the API keys file"))
    }

    @Test func modelPathsComeFromRepeatedFlagsOrACommaList() {
        #expect(ConfigurationSources(flags: [.model: "a.safetensors\nb.safetensors"], environment: [:]).modelPaths
            == ["a.safetensors", "b.safetensors"])
        #expect(ConfigurationSources(flags: [:], environment: ["SMSR_MODEL": "x.safetensors, y.safetensors"]).modelPaths
            == ["x.safetensors", "y.safetensors"])
    }

    @Test func theCPUBudgetSplitsCoresBetweenWorkersAndThreads() {
        #expect(CPUBudget(cores: 8, workers: nil, threadsPerJob: nil) == CPUBudget(cores: 8, workers: 8, threadsPerJob: 1))
        let byThreads = CPUBudget(cores: 8, workers: nil, threadsPerJob: 4)
        #expect(byThreads.workers == 2 && byThreads.warning == nil)
        let byWorkers = CPUBudget(cores: 8, workers: 3, threadsPerJob: nil)
        #expect(byWorkers.threadsPerJob == 2)
        #expect(CPUBudget(cores: 4, workers: 4, threadsPerJob: 2).warning != nil, "explicit overcommit is allowed, with a warning")
    }

    @Test func loggedSettingsCarryNoSecrets() throws {
        var c = ServiceConfiguration()
        c.apiKeys = APIKeys(tokens: ["very-secret-token"])
        c.apiKeysFile = "/etc/smsr/keys"
        let text = c.loggedSettings.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        #expect(!text.contains("very-secret-token"))
        #expect(text.contains("api_keys=1 from /etc/smsr/keys"))
    }

    @Test func apiKeysCompareWholeTokens() throws {
        let keys = APIKeys(tokens: ["alpha", "beta-2"])
        #expect(keys.authorizes("Bearer alpha") && keys.authorizes("bearer  beta-2"))
        for wrong in [nil, "", "Bearer", "Bearer ", "Bearer alph", "Bearer alphaa", "Basic alpha", "alpha", "Bearer ALPHA"] {
            #expect(!keys.authorizes(wrong), "\(wrong ?? "nil")")
        }
        #expect(APIKeys.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!APIKeys.constantTimeEquals(Array("abc".utf8), Array("abcabc".utf8)), "a repeating prefix is not equal")
        #expect(!APIKeys.constantTimeEquals([], Array("a".utf8)))
        let empty = try TestImages.write(Array("# none yet\n\n".utf8), ext: "txt")
        #expect(throws: APIKeys.LoadingError.self) { try APIKeys(contentsOfFile: empty) }
    }
}
