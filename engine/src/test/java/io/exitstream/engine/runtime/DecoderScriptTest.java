package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.model.ModelConfig;
import org.junit.jupiter.api.Test;

/** The batch-1 float32 matmul split (the golden tests check its results). */
class DecoderScriptTest {

    private static ModelConfig config(int dim, int hiddenDim) {
        return ModelConfig.llama2c(dim, hiddenDim, 1, 1, 1, 32, 16, true);
    }

    @Test
    void splitsIntoTheMostBlocksUpToTheThreadsThatDivideBothWidths() {
        assertThat(DecoderScript.splits(config(768, 2048), 2)).isEqualTo(2);
        assertThat(DecoderScript.splits(config(768, 2048), 4)).isEqualTo(4);
        assertThat(DecoderScript.splits(config(288, 768), 5)).isEqualTo(4);
        assertThat(DecoderScript.splits(config(6, 9), 8)).isEqualTo(3);
    }

    @Test
    void oneThreadOrNoCommonDivisorKeepsThePlainMatmul() {
        assertThat(DecoderScript.splits(config(768, 2048), 1)).isEqualTo(1);
        assertThat(DecoderScript.splits(config(6, 7), 2)).isEqualTo(1);
    }
}
