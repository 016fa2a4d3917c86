package io.exitstream.compression.reschedule;

import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import io.exitstream.protos.v1.TokenEvent;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * A re-scheduler topology under {@link TopologyTestDriver}, without a broker, and its topics.
 *
 * @param driver the driver, closed with this
 * @param telemetry token events in
 * @param decisions every decision out
 * @param schedules published schedules out
 */
record DrivenTopology(TopologyTestDriver driver, TestInputTopic<String, TokenEvent> telemetry,
        TestOutputTopic<String, ScheduleDecision> decisions,
        TestOutputTopic<String, SkipSchedule> schedules) implements AutoCloseable {

    static DrivenTopology start(Topology topology, Path stateDir) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "reschedule-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        TopologyTestDriver driver = new TopologyTestDriver(topology, config);
        return new DrivenTopology(driver,
                driver.createInputTopic(Topics.TELEMETRY, Serdes.String().serializer(),
                        ProtobufSerde.tokenEvents().serializer()),
                driver.createOutputTopic(Topics.DECISIONS, Serdes.String().deserializer(),
                        ProtobufSerde.decisions().deserializer()),
                driver.createOutputTopic(Topics.SCHEDULES, Serdes.String().deserializer(),
                        ProtobufSerde.schedules().deserializer()));
    }

    @Override
    public void close() {
        driver.close();
    }
}
