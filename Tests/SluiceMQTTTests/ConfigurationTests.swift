import SluiceMQTT
import SluiceTestSupport
import Testing

@Suite("Broker URL and configuration validation")
struct ConfigurationTests {
    @Test func parsesHostAndDefaultPort() throws {
        let configuration = try MQTTConfiguration(url: "mqtt://broker.factory.local", topics: ["line/+/state"], clientID: "sluice")
        #expect(configuration.host == "broker.factory.local")
        #expect(configuration.port == 1883)
        #expect(configuration.username == nil)
        #expect(configuration.password == nil)
        #expect(configuration.topics == ["line/+/state"])
        #expect(configuration.clientID == "sluice")
        #expect(configuration.qos == 1)
        #expect(configuration.cleanSession == false)
    }

    @Test func parsesCredentialsPortAndIPv6() throws {
        let configuration = try MQTTConfiguration(url: "mqtt://sluice:p%40ss:word@10.0.0.5:1884/", topics: ["a"], clientID: "c")
        #expect(configuration.host == "10.0.0.5")
        #expect(configuration.port == 1884)
        #expect(configuration.username == "sluice")
        #expect(configuration.password == "p@ss:word")

        let ipv6 = try MQTTConfiguration(url: "mqtt://[::1]:2883", topics: ["a"], clientID: "c")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 2883)
    }

    @Test(arguments: [
        ("", "missing the mqtt:// scheme"),
        ("broker:1883", "missing the mqtt:// scheme"),
        ("http://broker", "unsupported scheme 'http'"),
        ("mqtts://broker", "TLS or WebSocket"),
        ("mqtt://", "the host is missing"),
        ("mqtt://:1883", "the host is missing"),
        ("mqtt://broker:0", "port '0' is not a number between 1 and 65535"),
        ("mqtt://broker:70000", "port '70000'"),
        ("mqtt://broker:abc", "port 'abc'"),
        ("mqtt://broker/factory", "a path, query or fragment is not allowed"),
        ("mqtt://a:b:c", "too many ':'"),
        ("mqtt://[::1", "closing ']'"),
    ])
    func rejectsBadURLs(url: String, expectedReason: String) {
        let error = #expect(throws: MQTTError.self) {
            try MQTTConfiguration(url: url, topics: ["a"], clientID: "c")
        }
        #expect(error?.kind == .invalidURL)
        #expect(error?.message.contains(expectedReason) == true, "\(error?.message ?? "no error")")
        #expect(error?.message.contains("Expected mqtt://[user:password@]host[:port]") == true)
    }

    @Test func badURLErrorDoesNotRevealThePassword() {
        let error = #expect(throws: MQTTError.self) {
            try MQTTConfiguration(url: "mqtt://sluice:hunter2@broker:99999", topics: ["a"], clientID: "c")
        }
        #expect(error?.message.contains("hunter2") == false)
        #expect(error?.message.contains("mqtt://***@broker:99999") == true)
    }

    @Test func subscriberRejectsUnusableConfiguration() {
        let badFilter = #expect(throws: MQTTError.self) {
            try MQTTSubscriber(configuration: MQTTConfiguration(host: "localhost", clientID: "c", topics: ["line/#/state"]))
        }
        #expect(badFilter?.kind == .invalidConfiguration)
        #expect(badFilter?.message.contains("'line/#/state' is not a valid topic filter") == true)

        let noTopics = #expect(throws: MQTTError.self) {
            try MQTTSubscriber(configuration: MQTTConfiguration(host: "localhost", clientID: "c"))
        }
        #expect(noTopics?.message.contains("no topics") == true)

        let noClientID = #expect(throws: MQTTError.self) {
            try MQTTSubscriber(configuration: MQTTConfiguration(host: "localhost", clientID: "", topics: ["a"]))
        }
        #expect(noClientID?.message.contains("needs a non-empty client ID") == true)
    }
}
