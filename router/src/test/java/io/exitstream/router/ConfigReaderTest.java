package io.exitstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file: the documented example reads; every mistake is one clear line. */
class ConfigReaderTest {

    @Test
    void readsACompleteConfiguration(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("router.json");
        Files.writeString(file, """
                {
                  "listen": {"host": "0.0.0.0", "port": 8090},
                  "bodyLimitBytes": 65536,
                  "retry": {"deadlineMs": 5000, "maxAttempts": 4},
                  "health": {"intervalMs": 1000, "ejectBaseMs": 500},
                  "adminKeySha256": "%s",
                  "pools": [
                    {"model": "stories", "aliases": ["tiny"], "replicas": ["10.0.0.1:8080",
                        "http://10.0.0.2:8080"]},
                    {"model": "stories", "classes": ["fast"], "replicas": ["10.0.0.3:8080"]}
                  ],
                  "tenants": [
                    {"name": "team-a", "keySha256": "%s", "models": ["stories"],
                     "requestsPerMinute": 60, "tokensPerMinute": 6000}
                  ]
                }
                """.formatted(RouterFixture.sha256("admin"), RouterFixture.sha256("a")));
        RouterConfig config = ConfigReader.read(file);
        assertThat(config.port()).isEqualTo(8090);
        assertThat(config.retry().deadline()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.health().ejectMax()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.pools()).hasSize(2);
        assertThat(config.pools().get(0).replicas().get(1))
                .isEqualTo(new ReplicaAddress("10.0.0.2", 8080));
        assertThat(config.tenants().get(0).classes()).containsExactly("*");
        assertThat(config.adminKeySha256()).isPresent();
    }

    @Test
    void reportsEveryMistakeOnItsOwnLine() {
        String json = """
                {
                  "listen": {"port": 70000},
                  "retries": {},
                  "pools": [
                    {"model": "m", "replicas": ["nohost", "h:port"]},
                    {"replicas": []},
                    {"model": "m", "replicas": ["h:1"]}
                  ],
                  "tenants": [{"name": "t", "keySha256": "sk-the-key-itself"}]
                }
                """;
        assertThatThrownBy(() -> ConfigReader.parse("router.json", json))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage().lines()).containsExactly(
                        "router.json: retries: unknown field; expected one of adminKeySha256,"
                                + " bodyLimitBytes, defaultMaxTokens, health, listen, pools,"
                                + " retry, tenants",
                        "router.json: listen.port: must be a whole number from 0 to 65535,"
                                + " got 70000",
                        "router.json: pools[0].replicas[0]: 'nohost' is not host:port",
                        "router.json: pools[0].replicas[1]: 'h:port' has no numeric port",
                        "router.json: pools[1].model: is required",
                        "router.json: pools[1].replicas: list at least one replica as"
                                + " \"host:port\"",
                        "router.json: pools[2]: 'm' already routes to an earlier pool",
                        "router.json: tenants[0].keySha256: give the key's SHA-256 as 64 hex"
                                + " digits (printf %s \"$KEY\" | sha256sum), never the key"
                                + " itself"));
    }

    @Test
    void saysWhenTheFileIsMissingOrNotJson(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ConfigReader.read(dir.resolve("absent.json")))
                .hasMessageEndingWith("absent.json: no such file");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"pools\": [");
        assertThatThrownBy(() -> ConfigReader.read(broken))
                .hasMessageContaining("broken.json: not a JSON object");
    }
}
