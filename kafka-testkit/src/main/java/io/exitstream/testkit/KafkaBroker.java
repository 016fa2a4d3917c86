package io.exitstream.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the test class one real Kafka broker, started before its first test and closed after
 * its last; tests receive it as a {@link Broker} parameter. A test that stops the broker need
 * not restart it: the next test finds it running again.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(KafkaBrokerExtension.class)
public @interface KafkaBroker {
}
