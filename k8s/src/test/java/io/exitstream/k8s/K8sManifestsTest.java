package io.exitstream.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.exitstream.broker.TopicSetup;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.acl.AclOperation;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTransactionalIdResource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The manifests of {@code k8s/} parse as typed Kubernetes, Strimzi and KEDA objects with no
 * unknown field, each overlay renders ({@code kubectl kustomize}, where kubectl is installed),
 * and what they say agrees with the code: the server's command line, ports and drain timing,
 * the topics of {@code TopicSetup}, the users' ACLs, the rules and dashboards of grafana/.
 */
@Timeout(120)
class K8sManifestsTest {

    static final Path ROOT = root();
    static final Path K8S = ROOT.resolve("k8s");

    private static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("k8s/base"))
                    && Files.isDirectory(dir.resolve("grafana"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no k8s/base above " + Path.of("").toAbsolutePath());
    }

    @Test
    void everyManifestFileParsesAsItsType() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(K8S)) {
            files = walk.filter(file -> file.toString().endsWith(".yaml"))
                    .filter(file -> !file.getFileName().toString().equals("kustomization.yaml"))
                    .filter(file -> !file.startsWith(K8S.resolve("target")))
                    .sorted().toList();
        }
        int objects = 0;
        for (Path file : files) {
            for (JsonNode document : Manifests.documents(file)) {
                Manifests.typed(document, K8S.relativize(file).toString());
                objects++;
            }
        }
        assertThat(objects).isGreaterThanOrEqualTo(19);
    }

    @Test
    void everyOverlayRendersAndParses() throws Exception {
        for (String overlay : List.of("dev", "prod")) {
            List<JsonNode> rendered = render(overlay);
            Set<String> kinds = rendered.stream().map(d -> d.path("kind").asText())
                    .collect(Collectors.toSet());
            assertThat(kinds).as(overlay).contains("Kafka", "KafkaNodePool", "KafkaTopic",
                    "KafkaUser", "Deployment", "StatefulSet", "Service", "PodDisruptionBudget",
                    "ScaledObject", "PodMonitor", "PrometheusRule", "NetworkPolicy",
                    "ConfigMap");
            for (JsonNode document : rendered) {
                Manifests.typed(document, "overlays/" + overlay);
                assertThat(document.path("metadata").path("namespace").asText())
                        .as("%s: namespace of %s", overlay, Manifests.key(document))
                        .isEqualTo(overlay.equals("dev") ? "exitstream-dev" : "exitstream");
            }
            int nodes = one(rendered, KafkaNodePool.class).getSpec().getReplicas();
            assertThat(nodes).as("%s: Kafka nodes", overlay).isEqualTo(overlay.equals("dev")
                    ? 1 : 3);
            for (KafkaTopic topic : all(rendered, KafkaTopic.class)) {
                assertThat(topic.getSpec().getReplicas()).isEqualTo(nodes);
            }
            assertThat(dashboards(rendered).getData().keySet()).isEqualTo(dashboardFiles());
            String query = one(rendered, KedaScaledObject.class).spec().triggers().get(0)
                    .metadata().get("query");
            assertThat(query).contains("exitstream_requests_waiting",
                    "namespace=\"" + (overlay.equals("dev") ? "exitstream-dev" : "exitstream"));
        }
    }

    @Test
    void serverDeploymentFitsTheServer() {
        Deployment deployment = one(base("server/deployment.yaml"), Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container server = pod.getContainers().get(0);
        Map<String, String> args = flags(server.getArgs());
        assertThat(server.getArgs().get(0)).isEqualTo("serve");
        int port = Integer.parseInt(args.get("--port"));
        assertThat(args.get("--host")).isEqualTo("0.0.0.0");

        // Probes: readiness and startup on /health/ready, liveness on /health/live, all on the
        // port the server listens on (ServerProbesTest checks those paths on a real server).
        assertThat(probe(server.getStartupProbe()).getPath()).isEqualTo("/health/ready");
        assertThat(probe(server.getReadinessProbe()).getPath()).isEqualTo("/health/ready");
        assertThat(probe(server.getLivenessProbe()).getPath()).isEqualTo("/health/live");
        for (Probe probe : List.of(server.getStartupProbe(), server.getReadinessProbe(),
                server.getLivenessProbe())) {
            assertThat(portNumber(server, probe(probe).getPort().getStrVal())).isEqualTo(port);
        }
        // Load and warm-up get minutes before liveness may restart the pod.
        Probe startup = server.getStartupProbe();
        assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold())
                .isGreaterThanOrEqualTo(120);

        // Drain: the pause, the server's own grace, then its reply flush and Kafka close.
        int pause = server.getLifecycle().getPreStop().getSleep().getSeconds().intValue();
        int shutdown = Integer.parseInt(args.get("--shutdown-timeout"));
        assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThan(pause + shutdown + 10);

        // The heap from the container's memory, which has a limit; the model from a volume.
        assertThat(server.getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("JAVA_TOOL_OPTIONS");
            assertThat(env.getValue()).contains("-XX:MaxRAMPercentage=");
        });
        assertThat(server.getResources().getLimits()).containsKey("memory");
        assertThat(server.getResources().getRequests()).containsKeys("cpu", "memory");
        assertMountedFromVolume(pod, server, args.get("--model"), "persistentVolumeClaim");
        assertMountedFromVolume(pod, server, args.get("--kafka-config"), "emptyDir");

        // The Service and the PodMonitor reach that port.
        JsonNode service = base("server/service.yaml").get(0);
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
        PodMonitor monitor = one(base("server/podmonitor.yaml"), PodMonitor.class);
        assertThat(portNumber(server, monitor.getSpec().getPodMetricsEndpoints().get(0)
                .getPort())).isEqualTo(port);
        assertThat(monitor.getSpec().getPodMetricsEndpoints().get(0).getPath())
                .isEqualTo("/metrics");
        KedaScaledObject scaled = one(base("server/scaledobject.yaml"), KedaScaledObject.class);
        assertThat(scaled.spec().scaleTargetRef().name())
                .isEqualTo(deployment.getMetadata().getName());
    }

    @Test
    void reschedulerKeepsItsStateAndIsScraped() {
        StatefulSet set = one(base("rescheduler/statefulset.yaml"), StatefulSet.class);
        PodSpec pod = set.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);
        Map<String, String> args = flags(container.getArgs());
        assertThat(container.getArgs().get(0)).isEqualTo("reschedule");
        String stateDir = args.get("--state-dir");
        assertThat(container.getVolumeMounts()).anySatisfy(mount -> {
            assertThat(stateDir).startsWith(mount.getMountPath());
            assertThat(set.getSpec().getVolumeClaimTemplates())
                    .anyMatch(claim -> claim.getMetadata().getName().equals(mount.getName()));
        });
        assertThat(args.get("--metrics-host")).isEqualTo("0.0.0.0");
        PodMonitor monitor = one(base("rescheduler/podmonitor.yaml"), PodMonitor.class);
        assertThat(portNumber(container, monitor.getSpec().getPodMetricsEndpoints().get(0)
                .getPort())).isEqualTo(Integer.parseInt(args.get("--metrics-port")));
    }

    @Test
    void topicsHaveTopicSetupsSettings() {
        Map<String, KafkaTopic> topics = new HashMap<>();
        for (KafkaTopic topic : all(base("kafka/topics.yaml"), KafkaTopic.class)) {
            topics.put(topic.getSpec().getTopicName(), topic);
        }
        assertThat(topics.keySet()).isEqualTo(TopicSetup.topics().stream().map(NewTopic::name)
                .collect(Collectors.toSet()));
        for (NewTopic expected : TopicSetup.topics()) {
            KafkaTopic topic = topics.get(expected.name());
            assertThat(topic.getSpec().getPartitions()).as(expected.name())
                    .isEqualTo(expected.numPartitions());
            Map<String, String> config = new TreeMap<>();
            topic.getSpec().getConfig().forEach((k, v) -> config.put(k, String.valueOf(v)));
            // Replication is the cluster's business: only min.insync.replicas may be added.
            config.remove("min.insync.replicas");
            assertThat(config).as(expected.name()).isEqualTo(new TreeMap<>(expected.configs()));
        }
    }

    @Test
    void usersMayDoWhatTheLoopNeedsAndTheirSecretsAreMounted() {
        Map<String, KafkaUser> users = new HashMap<>();
        for (KafkaUser user : all(base("kafka/users.yaml"), KafkaUser.class)) {
            users.put(user.getMetadata().getName(), user);
        }
        List<AclRule> server = acls(users.get("exitstream-server"));
        assertThat(topicOps(server, "exitstream.telemetry.tokens")).contains(AclOperation.WRITE);
        assertThat(topicOps(server, "exitstream.schedules")).contains(AclOperation.READ)
                .doesNotContain(AclOperation.WRITE);
        List<AclRule> rescheduler = acls(users.get("exitstream-rescheduler"));
        assertThat(topicOps(rescheduler, "exitstream.telemetry.tokens"))
                .contains(AclOperation.READ);
        assertThat(topicOps(rescheduler, "exitstream.schedules")).contains(AclOperation.WRITE);
        assertThat(topicOps(rescheduler, "exitstream.schedule-decisions"))
                .contains(AclOperation.WRITE);
        // The default application id, exitstream-reschedule-MODEL, prefixes both.
        assertThat(rescheduler).anySatisfy(rule -> {
            assertThat(rule.getResource()).isInstanceOf(AclRuleGroupResource.class);
            assertThat(((AclRuleGroupResource) rule.getResource()).getName())
                    .isEqualTo("exitstream-reschedule-");
            assertThat(rule.getOperations()).contains(AclOperation.READ);
        });
        assertThat(rescheduler).anySatisfy(rule -> {
            assertThat(rule.getResource()).isInstanceOf(AclRuleTransactionalIdResource.class);
            assertThat(((AclRuleTransactionalIdResource) rule.getResource()).getName())
                    .isEqualTo("exitstream-reschedule-");
            assertThat(rule.getOperations()).contains(AclOperation.WRITE);
        });
        // Each workload mounts the Secret the User Operator writes for its user.
        PodSpec serverPod = one(base("server/deployment.yaml"), Deployment.class).getSpec()
                .getTemplate().getSpec();
        PodSpec reschedulerPod = one(base("rescheduler/statefulset.yaml"), StatefulSet.class)
                .getSpec().getTemplate().getSpec();
        assertThat(secrets(serverPod)).containsExactly("exitstream-server");
        assertThat(secrets(reschedulerPod)).containsExactly("exitstream-rescheduler");
    }

    @Test
    void prometheusRuleHasTheRulesOfGrafana() throws IOException {
        PrometheusRule rule = one(base("monitoring/prometheus-rule.yaml"), PrometheusRule.class);
        JsonNode shipped = Manifests.YAML.readTree(
                ROOT.resolve("grafana/rules/exitstream.rules.yml").toFile());
        assertThat(Manifests.JSON.valueToTree(rule.getSpec()).get("groups"))
                .isEqualTo(shipped.get("groups"));
    }

    private static List<JsonNode> base(String file) {
        return Manifests.documents(K8S.resolve("base").resolve(file));
    }

    /** {@code kubectl kustomize} of an overlay; skips the test where kubectl is absent. */
    private static List<JsonNode> render(String overlay) throws Exception {
        Path kubectl = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, "kubectl"))
                .filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(kubectl != null, "skipped: no kubectl on the PATH to render the overlays"
                + " (everyManifestFileParsesAsItsType still parses the manifest files)");
        Process process = new ProcessBuilder(kubectl.toString(), "kustomize",
                K8S.resolve("overlays").resolve(overlay).toString())
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("kubectl kustomize %s: %s", overlay, err).isZero();
        return Manifests.documents(out);
    }

    private static <T> List<T> all(List<JsonNode> documents, Class<T> type) {
        List<T> found = new ArrayList<>();
        for (JsonNode document : documents) {
            if (document.path("kind").asText().equals(type == KedaScaledObject.class
                    ? "ScaledObject" : type.getSimpleName())) {
                found.add(Manifests.typed(document, type));
            }
        }
        return found;
    }

    private static <T> T one(List<JsonNode> documents, Class<T> type) {
        List<T> found = all(documents, type);
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    private static ConfigMap dashboards(List<JsonNode> rendered) {
        return all(rendered, ConfigMap.class).stream()
                .filter(map -> map.getMetadata().getName().startsWith("exitstream-dashboards"))
                .findFirst().orElseThrow(() -> new AssertionError("no dashboards ConfigMap"));
    }

    private static Set<String> dashboardFiles() throws IOException {
        try (Stream<Path> list = Files.list(ROOT.resolve("grafana/dashboards"))) {
            return list.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".json")).collect(Collectors.toSet());
        }
    }

    /** "--name=value" arguments by name. */
    private static Map<String, String> flags(List<String> args) {
        Map<String, String> flags = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                flags.put(arg.substring(0, eq), arg.substring(eq + 1));
            }
        }
        return flags;
    }

    private static HTTPGetAction probe(Probe probe) {
        assertThat(probe).isNotNull();
        assertThat(probe.getHttpGet()).isNotNull();
        return probe.getHttpGet();
    }

    private static int portNumber(Container container, String name) {
        return container.getPorts().stream().filter(port -> name.equals(port.getName()))
                .map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + name));
    }

    private static void assertMountedFromVolume(PodSpec pod, Container container, String path,
            String source) {
        assertThat(container.getVolumeMounts()).as(path).anySatisfy(mount -> {
            assertThat(path).startsWith(mount.getMountPath() + "/");
            Volume volume = pod.getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            assertThat(Manifests.JSON.valueToTree(volume).has(source)).as(path).isTrue();
        });
    }

    private static List<AclRule> acls(KafkaUser user) {
        return ((KafkaUserAuthorizationSimple) user.getSpec().getAuthorization()).getAcls();
    }

    private static List<AclOperation> topicOps(List<AclRule> rules, String topic) {
        return rules.stream().filter(rule -> rule.getResource() instanceof AclRuleTopicResource r
                        && r.getName().equals(topic))
                .flatMap(rule -> rule.getOperations().stream()).toList();
    }

    private static List<String> secrets(PodSpec pod) {
        return pod.getVolumes().stream().filter(v -> v.getSecret() != null)
                .map(v -> v.getSecret().getSecretName()).toList();
    }
}
