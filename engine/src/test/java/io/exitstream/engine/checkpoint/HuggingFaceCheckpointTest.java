package io.exitstream.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HuggingFaceCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsFloat32BitForBit() {
        LlamaWeights w = TestModels.small();

        HuggingFaceCheckpoint.write(w, dir, TensorDType.F32);

        TestModels.assertBitIdentical(HuggingFaceCheckpoint.read(dir), w);
        JsonObject config = config();
        assertThat(config.get("architectures").getAsJsonArray().get(0).getAsString())
                .isEqualTo("LlamaForCausalLM");
        assertThat(config.get("num_key_value_heads").getAsInt()).isEqualTo(2);
        assertThat(config.get("tie_word_embeddings").getAsBoolean()).isFalse();
        assertThat(config.get("rms_norm_eps").toString()).isEqualTo("1.0E-5");
        assertThat(config.get("torch_dtype").getAsString()).isEqualTo("float32");
        assertThat(dir.resolve("model.safetensors")).exists();
    }

    @Test
    void convertsStories260KToHuggingFaceAndBackByteForByte() throws IOException {
        Path original = SharedFixtures.stories260K();
        LlamaWeights w = Llama2cCheckpoint.read(original);
        Path back = dir.resolve("back.bin");

        HuggingFaceCheckpoint.write(w, dir.resolve("hf"), TensorDType.F32);
        LlamaWeights fromHf = HuggingFaceCheckpoint.read(dir.resolve("hf"));
        Llama2cCheckpoint.write(fromHf, back, original);

        assertThat(fromHf.classifier()).isSameAs(fromHf.tokenEmbedding());
        assertThat(Files.readAllBytes(back)).isEqualTo(Files.readAllBytes(original));
    }

    @Test
    void storesQueryAndKeyRowsInHuggingFacesOrder() {
        LlamaWeights w = TestModels.small();
        ModelConfig c = w.config();

        HuggingFaceCheckpoint.write(w, dir, TensorDType.F32);

        try (SafetensorsReader in = SafetensorsReader.open(dir)) {
            float[] q = in.read("model.layers.1.self_attn.q_proj.weight", c.dim(), c.dim());
            float[] k = in.read("model.layers.1.self_attn.k_proj.weight", c.kvDim(), c.dim());
            assertThat(q).isNotEqualTo(w.wq()[1]);
            assertThat(k).isNotEqualTo(w.wk()[1]);
            assertThat(q).isEqualTo(RopeLayout.toHuggingFace(w.wq()[1], c.heads(), c.headSize()));
            assertThat(k).isEqualTo(RopeLayout.toHuggingFace(w.wk()[1], c.kvHeads(),
                    c.headSize()));
            assertThat(in.read("model.layers.1.self_attn.v_proj.weight", c.kvDim(), c.dim()))
                    .isEqualTo(w.wv()[1]);
        }
    }

    @Test
    void roundTripsHalvesWithinTheirPrecision() {
        LlamaWeights w = TestModels.small();

        HuggingFaceCheckpoint.write(w, dir.resolve("bf16"), TensorDType.BF16);
        HuggingFaceCheckpoint.write(w, dir.resolve("f16"), TensorDType.F16);

        LlamaWeights bf16 = HuggingFaceCheckpoint.read(dir.resolve("bf16"));
        LlamaWeights f16 = HuggingFaceCheckpoint.read(dir.resolve("f16"));
        // Half an ulp: 8 significant bits for bf16, 11 for fp16 (whose subnormals, below 2^-14,
        // have a fixed step of 2^-24).
        assertThat(TestModels.valuesOutside(bf16, w, 0x1p-8, 0)).isEmpty();
        assertThat(TestModels.valuesOutside(f16, w, 0x1p-11, 0x1p-25)).isEmpty();
        assertThat(TestModels.valuesOutside(bf16, w, 0x1p-12, 0)).as("rounded at all").isNotEmpty();
        assertThat(CheckpointFiles.readJson(dir.resolve("bf16/config.json"))
                .get("torch_dtype").getAsString()).isEqualTo("bfloat16");
    }

    @Test
    void readsShardsLikeOneFile() throws IOException {
        LlamaWeights w = TestModels.small();

        HuggingFaceCheckpoint.write(w, dir.resolve("one"), TensorDType.F32);
        HuggingFaceCheckpoint.write(w, dir.resolve("many"), TensorDType.F32, 20_000);

        try (var shards = Files.list(dir.resolve("many"))) {
            assertThat(shards.filter(p -> p.toString().endsWith(".safetensors")).count())
                    .isGreaterThan(2);
        }
        assertThat(dir.resolve("many/model.safetensors")).doesNotExist();
        TestModels.assertBitIdentical(HuggingFaceCheckpoint.read(dir.resolve("many")),
                HuggingFaceCheckpoint.read(dir.resolve("one")));
    }

    @Test
    void rejectsAnUnknownArchitecture() throws IOException {
        writeSmall(c -> c.add("architectures", JsonParser.parseString("[\"GPT2LMHeadModel\"]")));

        assertThatThrownBy(() -> HuggingFaceCheckpoint.read(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessage("unknown architecture GPT2LMHeadModel in " + dir.resolve("config.json")
                        + "; supported: LlamaForCausalLM, MistralForCausalLM");
    }

    @Test
    void rejectsRopeScalingItDoesNotImplement() throws IOException {
        writeSmall(c -> c.add("rope_scaling", JsonParser.parseString(
                "{\"rope_type\": \"yarn\", \"factor\": 8.0}")));

        assertThatThrownBy(() -> HuggingFaceCheckpoint.read(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(dir.resolve("config.json") + ": rope_scaling of type yarn changes the"
                        + " RoPE frequencies in a way not supported (only linear and llama3)");
    }

    @Test
    void rejectsSlidingWindowAttention() throws IOException {
        writeSmall(c -> {
            c.add("architectures", JsonParser.parseString("[\"MistralForCausalLM\"]"));
            c.addProperty("sliding_window", 8);
        });

        assertThatThrownBy(() -> HuggingFaceCheckpoint.read(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("sliding_window 8 is shorter than max_position_embeddings"
                        + " 16");
    }

    @Test
    void acceptsMistralWithoutASlidingWindowAndTheNewRopeParameters() throws IOException {
        writeSmall(c -> {
            c.add("architectures", JsonParser.parseString("[\"MistralForCausalLM\"]"));
            c.add("sliding_window", null);
            c.remove("rope_theta");
            c.add("rope_parameters", JsonParser.parseString(
                    "{\"rope_type\": \"default\", \"rope_theta\": 10000.0}"));
        });

        TestModels.assertBitIdentical(HuggingFaceCheckpoint.read(dir), TestModels.small());
    }

    @Test
    void namesAMissingTensor() throws IOException {
        LlamaWeights tied = SyntheticModels.random(SyntheticModels.shape(
                "dim=32,hidden=48,layers=1,heads=4,vocab=64,seq=16"), 5);
        HuggingFaceCheckpoint.write(tied, dir, TensorDType.F32);
        editConfig(c -> c.addProperty("tie_word_embeddings", false));

        assertThatThrownBy(() -> HuggingFaceCheckpoint.read(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(dir.resolve("model.safetensors") + ": no tensor named lm_head.weight");
    }

    @Test
    void rejectsTensorsTheConfigDoesNotAccountFor() throws IOException {
        writeSmall(c -> c.addProperty("num_hidden_layers", 1));

        assertThatThrownBy(() -> HuggingFaceCheckpoint.read(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("unexpected tensor model.layers.1.");
    }

    @Test
    void namesAMissingOrInvalidConfigField() throws IOException {
        writeSmall(c -> c.remove("hidden_size"));
        assertThatThrownBy(() -> HuggingFaceCheckpoint.read(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(dir.resolve("config.json") + ": missing hidden_size");

        editConfig(c -> c.addProperty("hidden_size", "32"));
        assertThatThrownBy(() -> HuggingFaceCheckpoint.read(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("hidden_size must be a number, got \"32\"");
    }

    @Test
    void defaultsKeyValueHeadsToHeads() throws IOException {
        LlamaWeights w = SyntheticModels.random(SyntheticModels.shape(
                "dim=32,hidden=48,layers=1,heads=4,vocab=64,seq=16"), 5);
        HuggingFaceCheckpoint.write(w, dir, TensorDType.F32);
        editConfig(c -> c.remove("num_key_value_heads"));

        assertThat(HuggingFaceCheckpoint.read(dir).config().kvHeads()).isEqualTo(4);
    }

    private void writeSmall(Consumer<JsonObject> edit) throws IOException {
        HuggingFaceCheckpoint.write(TestModels.small(), dir, TensorDType.F32);
        editConfig(edit);
    }

    private void editConfig(Consumer<JsonObject> edit) throws IOException {
        JsonObject config = config();
        edit.accept(config);
        Files.writeString(dir.resolve("config.json"), config.toString());
    }

    private JsonObject config() {
        return CheckpointFiles.readJson(dir.resolve("config.json"));
    }
}
