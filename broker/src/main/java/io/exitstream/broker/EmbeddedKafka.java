package io.exitstream.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Kafka broker (KRaft, broker and controller in one) running in this JVM on
 * loopback. It can be stopped and started again on the same port and data directory, so that
 * clients see a broker going away and coming back with its data: what broker-down tests need.
 *
 * <p>Settings suit one node: replication factor 1 for internal topics (consumer offsets,
 * transactions, so Kafka Streams' exactly-once works), few internal partitions for a fast
 * start, no rebalance delay.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final String HOST = "127.0.0.1";

    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    /** The data directory when this broker made it, else null. */
    private final TemporaryDirectory ownDataDir;
    private KafkaRaftServer server;

    private EmbeddedKafka(int port, int controllerPort, Path dataDir,
            TemporaryDirectory ownDataDir) {
        this.port = port;
        this.controllerPort = controllerPort;
        this.dataDir = dataDir;
        this.ownDataDir = ownDataDir;
    }

    /**
     * Formats a data directory and starts a broker; returns once clients can connect.
     *
     * @param port client port on 127.0.0.1; 0 picks a free one, kept across restarts
     * @param dataDir where the logs live, kept across restarts; null for a temporary directory
     *     deleted by {@link #close}
     * @throws IllegalStateException with a one-line reason when the broker cannot start
     */
    public static EmbeddedKafka start(int port, Path dataDir) {
        TemporaryDirectory own = dataDir == null
                ? TemporaryDirectory.create("exitstream-kafka") : null;
        boolean started = false;
        try {
            Path dir = own != null ? own.path() : dataDir.toAbsolutePath();
            EmbeddedKafka kafka = new EmbeddedKafka(port == 0 ? freePort() : port, freePort(),
                    dir, own);
            kafka.format();
            kafka.restart();
            started = true;
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            // A broker that did not start leaves no directory of its own behind.
            if (!started && own != null) {
                own.close();
            }
        }
    }

    /** {@code host:port} for clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Starts the broker again on the same port and data; does nothing if it runs. */
    public synchronized void restart() {
        if (server != null) {
            return;
        }
        KafkaRaftServer started = new KafkaRaftServer(KafkaConfig.fromProps(config(), false),
                Time.SYSTEM);
        try {
            started.startup();
        } catch (RuntimeException e) {
            started.shutdown();
            throw new IllegalStateException("the in-process Kafka broker could not start on port "
                    + port + ": " + e.getMessage(), e);
        }
        server = started;
    }

    /** Stops the broker and keeps its data; clients see a broker that went away. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
    }

    /** Stops the broker and deletes its data directory if it made it. */
    @Override
    public void close() {
        stop();
        if (ownDataDir != null) {
            ownDataDir.close();
        }
    }

    /** Writes the cluster's metadata bootstrap, once: a restart reuses what is there. */
    private void format() {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            return;
        }
        try {
            new Formatter()
                    // The formatter's own report is noise here.
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(1)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(dataDir.toString())
                    .addDirectory(dataDir.toString())
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("could not format the Kafka data directory "
                    + dataDir + ": " + e.getMessage(), e);
        }
    }

    private Properties config() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":"
                + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dataDir.toString());
        p.put("metadata.log.dir", dataDir.toString());
        // One node: internal topics cannot have more than one replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "1");
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}
