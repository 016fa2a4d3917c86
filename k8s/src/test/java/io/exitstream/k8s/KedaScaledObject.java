package io.exitstream.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/**
 * KEDA's {@code ScaledObject} (keda.sh/v1alpha1), as far as KEDA documents its spec: neither
 * fabric8 nor Maven Central has a typed model of it. Parsed with unknown fields rejected.
 */
record KedaScaledObject(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {

    record Spec(Target scaleTargetRef, Integer pollingInterval, Integer cooldownPeriod,
            Integer idleReplicaCount, Integer minReplicaCount, Integer maxReplicaCount,
            JsonNode fallback, JsonNode advanced, List<Trigger> triggers) {
    }

    record Target(String apiVersion, String kind, String name, String envSourceContainerName) {
    }

    record Trigger(String type, String name, String metricType, Boolean useCachedMetrics,
            Map<String, String> metadata, JsonNode authenticationRef) {
    }
}
