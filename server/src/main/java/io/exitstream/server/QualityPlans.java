package io.exitstream.server;

import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The plan of each quality class. {@code exact} is always the full model; the others come from
 * {@code plans/classes.json} beside the model, which maps a class name to a plan file in the
 * same folder (the shipped model has one, so the classes work on a fresh clone). A class
 * without a plan is refused per request with a 400 saying so.
 */
public final class QualityPlans {

    /** The file, inside the model's {@code plans} folder, that maps classes to plans. */
    public static final String FILE = "classes.json";

    private final Map<QualityClass, ExecutionPlan> plans;

    private QualityPlans(Map<QualityClass, ExecutionPlan> plans) {
        this.plans = Map.copyOf(plans);
    }

    /** Only {@code exact}. */
    public static QualityPlans exactOnly() {
        return new QualityPlans(Map.of(QualityClass.EXACT, ExecutionPlan.full()));
    }

    /**
     * The classes of the model at {@code model} (a Hugging Face directory): {@code exact}, and
     * those {@code plans/classes.json} names, each plan validated against {@code config}.
     *
     * @throws IllegalArgumentException if the file or a plan it names is invalid
     */
    public static QualityPlans beside(Path model, ModelConfig config) {
        Path file = model.resolve("plans").resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return exactOnly();
        }
        Map<QualityClass, ExecutionPlan> plans = new EnumMap<>(QualityClass.class);
        plans.put(QualityClass.EXACT, ExecutionPlan.full());
        try {
            JsonObject json = new JsonObject(Files.readString(file));
            for (String name : json.fieldNames()) {
                QualityClass quality = QualityClass.parse(name, file + ": class");
                if (quality == QualityClass.EXACT) {
                    throw new IllegalArgumentException(file + ": exact is always the full model");
                }
                Path plan = file.resolveSibling(json.getString(name));
                plans.put(quality, ExecutionPlan.parse(Files.readString(plan), config));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (DecodeException | ClassCastException | ApiError e) {
            throw new IllegalArgumentException(file + " must map class names ("
                    + QualityClass.names() + ") to plan files: " + e.getMessage());
        }
        return new QualityPlans(plans);
    }

    /** The class's plan, if the server has one for it. */
    public Optional<ExecutionPlan> plan(QualityClass quality) {
        return Optional.ofNullable(plans.get(quality));
    }

    /** Whether a class's plan exits through exit heads. */
    public boolean needsExitHeads() {
        return plans.values().stream()
                .anyMatch(plan -> plan.exit() instanceof ExitPolicy.Confidence);
    }

    /** The classes with plans, and their plans. */
    public Map<QualityClass, ExecutionPlan> all() {
        return plans;
    }
}
