package io.exitstream.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import org.junit.jupiter.api.Test;

class SyntheticModelsTest {

    @Test
    void namedShapesAreThoseOfTheBaselines() {
        assertThat(SyntheticModels.names()).containsExactly("s15M", "s42M", "s110M");
        assertThat(SyntheticModels.shape("s15M"))
                .isEqualTo(ModelConfig.llama2c(288, 768, 6, 6, 6, 32000, 256, true));
        assertThat(SyntheticModels.shape("s42M"))
                .isEqualTo(ModelConfig.llama2c(512, 1376, 8, 8, 8, 32000, 1024, true));
        assertThat(SyntheticModels.shape("s110M"))
                .isEqualTo(ModelConfig.llama2c(768, 2048, 12, 12, 12, 32000, 1024, true));
        assertThat(millions("s15M")).isEqualTo(15.2);
        assertThat(millions("s42M")).isEqualTo(41.7);
        assertThat(millions("s110M")).isEqualTo(109.5);
    }

    @Test
    void parsesCustomShapes() {
        assertThat(SyntheticModels.shape("dim=64, hidden=172, layers=5, heads=8, kv_heads=4,"
                + " vocab=512, seq=512"))
                .isEqualTo(ModelConfig.llama2c(64, 172, 5, 8, 4, 512, 512, true));
        assertThat(SyntheticModels.shape("dim=64,hidden=172,layers=5,heads=8"))
                .isEqualTo(ModelConfig.llama2c(64, 172, 5, 8, 8, 32000, 1024, true));
    }

    @Test
    void explainsBadShapes() {
        assertThatThrownBy(() -> SyntheticModels.shape("s7B"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "unknown synthetic shape s7B; use one of s15M, s42M, s110M");
        assertThatThrownBy(() -> SyntheticModels.shape("dim=64,hidden=172,heads=8"))
                .hasMessageContaining("has no layers");
        assertThatThrownBy(() -> SyntheticModels.shape("dim=64,depth=3"))
                .hasMessageContaining("bad synthetic shape field 'depth=3'");
        assertThatThrownBy(() -> SyntheticModels.shape("dim=sixty,hidden=1,layers=1,heads=1"))
                .hasMessageContaining("dim must be an integer, got 'sixty'");
    }

    @Test
    void randomWeightsDependOnTheSeedOnly() {
        ModelConfig c = TestModels.SMALL;

        LlamaWeights a = SyntheticModels.random(c, 1);
        LlamaWeights b = SyntheticModels.random(c, 1);
        LlamaWeights other = SyntheticModels.random(c, 2);

        TestModels.assertBitIdentical(a, b);
        assertThat(a.w1()[0]).isNotEqualTo(other.w1()[0]);
        assertThat(a.w1()[0]).isNotEqualTo(a.w1()[1]);
        assertThat(a.classifier()).isNotEqualTo(a.tokenEmbedding());
    }

    @Test
    void weightsAreNormalWithStd002AndNormsAreOne() {
        ModelConfig c = SyntheticModels.shape("dim=256,hidden=512,layers=2,heads=4,vocab=1000");

        LlamaWeights w = SyntheticModels.random(c, 3);

        assertThat(w.classifier()).isSameAs(w.tokenEmbedding());
        assertThat(w.finalNorm()).containsOnly(1f);
        assertThat(w.attentionNorm()[1]).containsOnly(1f);
        assertThat(w.ffnNorm()[0]).containsOnly(1f);
        double sum = 0;
        double squares = 0;
        for (float v : w.w2()[1]) {
            sum += v;
            squares += v * v;
        }
        int n = w.w2()[1].length;
        assertThat(sum / n).isCloseTo(0, within(0.001));
        assertThat(Math.sqrt(squares / n)).isCloseTo(0.02, within(0.0005));
    }

    private static double millions(String shape) {
        return Math.round(SyntheticModels.shape(shape).parameterCount() / 1e5) / 10.0;
    }
}
