package io.exitstream.testkit;

import io.exitstream.broker.TopicSetup;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.DockerClientFactory;

/**
 * Starts a broker per test class: Testcontainers' Kafka container when Docker answers, the
 * in-process KRaft broker otherwise; creates Exitstream's topics on it; restarts it before each
 * test if an earlier test left it stopped; closes it with the class's store.
 */
public final class KafkaBrokerExtension
        implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        broker(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        broker(context).restart();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Broker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return broker(context);
    }

    /** The class's broker, started on first use and closed when the class's store closes. */
    private static Broker broker(ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent()) {
            classContext = classContext.getParent().orElseThrow();
        }
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(Broker.class,
                key -> start(), ClosableBroker.class);
    }

    private static ClosableBroker start() {
        ClosableBroker broker = DockerClientFactory.instance().isDockerAvailable()
                ? new ContainerBroker() : new InProcessBroker();
        TopicSetup.create(broker.bootstrapServers());
        return broker;
    }
}
