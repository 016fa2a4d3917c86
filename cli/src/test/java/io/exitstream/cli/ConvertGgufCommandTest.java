package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.ShippedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code convert --to gguf} on the shipped model: the GGUF file generates what the Hugging Face
 * directory generates, Q8_0 is about a quarter of F32, and misuse gets one line.
 */
class ConvertGgufCommandTest {

    private static final String PROMPT = "Once upon a time";

    @TempDir
    Path tmp;

    @Test
    void aGgufConversionGeneratesTheSameTextAndQ8ZeroIsAQuarterOfIt() throws IOException {
        Path f32 = tmp.resolve("model-f32.gguf");
        Path q8 = tmp.resolve("model-q8.gguf");
        String hf = ShippedModel.dir().toString();

        CliRun convert = CliRun.of("convert", "--model", hf, "--to", "gguf", "--out",
                f32.toString());
        CliRun quantize = CliRun.of("convert", "--model", hf, "--to", "gguf", "--dtype", "Q8_0",
                "--out", q8.toString());

        assertThat(convert.exitCode()).as(convert.err()).isZero();
        assertThat(quantize.exitCode()).as(quantize.err()).isZero();
        assertThat(convert.err()).contains("wrote the gguf model to " + f32);
        assertThat((double) Files.size(q8) / Files.size(f32)).isBetween(0.25, 0.32);
        CliRun fromHf = generate(hf);
        CliRun fromGguf = generate(f32.toString());
        assertThat(fromHf.exitCode()).as(fromHf.err()).isZero();
        assertThat(fromGguf.exitCode()).as(fromGguf.err()).isZero();
        assertThat(fromGguf.out()).isEqualTo(fromHf.out()).hasSizeGreaterThan(PROMPT.length());

        Path back = tmp.resolve("back");
        CliRun toHf = CliRun.of("convert", "--model", f32.toString(), "--to", "hf", "--out",
                back.toString());
        assertThat(toHf.exitCode()).as(toHf.err()).isZero();
        // The shipped tokenizer's <s> and </s> are ids 0 and 1, not llama2.c's 1 and 2.
        assertThat(Files.readString(back.resolve("config.json")))
                .contains("\"bos_token_id\": 0").contains("\"eos_token_id\": 1");
        assertThat(generate(back.toString()).out()).isEqualTo(fromHf.out());
    }

    @Test
    void misuseGetsOneLine() {
        CliRun q8ToHf = CliRun.of("convert", "--model", ShippedModel.dir().toString(), "--to",
                "hf", "--dtype", "Q8_0", "--out", tmp.resolve("hf").toString());
        CliRun byteLevelToLlama2c = CliRun.of("convert", "--model",
                ShippedModel.dir().toString(), "--to", "llama2c", "--out",
                tmp.resolve("m.bin").toString());

        assertOneLine(q8ToHf, "convert: Q8_0 is a GGUF type: use --to gguf, or F32, F16 or BF16"
                + " for hf");
        assertOneLine(byteLevelToLlama2c, "cannot become a llama2.c tokenizer");
    }

    private static CliRun generate(String model) {
        return CliRun.of("generate", "--model", model, "--prompt", PROMPT, "-n", "24",
                "--temperature", "0");
    }

    private static void assertOneLine(CliRun run, String message) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.err().strip()).contains(message).doesNotContain("\n");
    }
}
