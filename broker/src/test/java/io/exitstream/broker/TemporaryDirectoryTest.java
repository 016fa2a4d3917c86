package io.exitstream.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TemporaryDirectoryTest {

    @Test
    void closeDeletesTheDirectoryWithWhatWasWrittenInIt() throws Exception {
        Path path;
        try (TemporaryDirectory dir = TemporaryDirectory.create("exitstream-test")) {
            path = dir.path();
            assertThat(path).isEmptyDirectory().isAbsolute();
            assertThat(path.getFileName().toString()).startsWith("exitstream-test");
            Files.createDirectories(path.resolve("state/0_1"));
            Files.writeString(path.resolve("state/0_1/checkpoint"), "offsets");
            Files.writeString(path.resolve("meta.properties"), "node.id=1");
        }
        assertThat(path).doesNotExist();
    }

    @Test
    void closingTwiceOrAfterTheDirectoryWentIsHarmless() {
        TemporaryDirectory dir = TemporaryDirectory.create("exitstream-test");
        dir.close();
        dir.close();
        assertThat(dir.path()).doesNotExist();
    }
}
