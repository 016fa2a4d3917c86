package io.exitstream.testkit;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Apache Kafka in a Docker container, the same version as our clients. Stopping pauses the
 * container rather than removing it, so that its mapped port and data survive the restart.
 */
final class ContainerBroker implements ClosableBroker {

    private final KafkaContainer container = new KafkaContainer(image());
    private boolean paused;

    ContainerBroker() {
        container.start();
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public synchronized void stop() {
        if (!paused) {
            docker().pauseContainerCmd(container.getContainerId()).exec();
            paused = true;
        }
    }

    @Override
    public synchronized void restart() {
        if (paused) {
            docker().unpauseContainerCmd(container.getContainerId()).exec();
            paused = false;
        }
    }

    @Override
    public String kind() {
        return "container";
    }

    @Override
    public void close() {
        container.stop();
    }

    /** The image named in kafka-image.properties, which Maven fills in. */
    private static String image() {
        try (InputStream in = ContainerBroker.class.getResourceAsStream(
                "kafka-image.properties")) {
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("image");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }
}
