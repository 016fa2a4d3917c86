package io.exitstream.compression.reschedule;

import io.exitstream.protos.v1.TokenEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Windows token events by the time the server handed the token out, not by when the record
 * reached Kafka: a producer that buffered through a broker outage still lands its tokens in the
 * windows they belong to. Events without a time fall back to the record's timestamp.
 */
public final class TokenEventTime implements TimestampExtractor {

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof TokenEvent event && event.hasTime()) {
            return event.getTime().getSeconds() * 1000 + event.getTime().getNanos() / 1_000_000;
        }
        return record.timestamp();
    }
}
