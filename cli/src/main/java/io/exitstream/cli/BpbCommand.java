package io.exitstream.cli;

import com.google.gson.JsonParser;
import io.exitstream.compression.BitsPerByte;
import io.exitstream.compression.Corpus;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.LlamaModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Bits per byte of a text under a model (see {@link BitsPerByte}): unlike perplexity it does not
 * depend on the tokenizer, so models with different vocabularies compare.
 */
@Command(name = "bpb", mixinStandardHelpOptions = true,
        description = "Bits per byte of a text under the model (or a plan): negative"
                + " log-likelihood of every token, in bits, over the text's UTF-8 bytes."
                + " Comparable across tokenizers. JSON on stdout.")
final class BpbCommand implements Callable<Integer> {

    @Mixin
    private ModelTokenizerOptions input;

    @Mixin
    private PlanOption planOption;

    @Option(names = "--text", required = true, paramLabel = "FILE",
            description = "Text: documents separated by blank lines, else one per line.")
    private Path text;

    @Option(names = "--window", paramLabel = "N",
            description = "Sliding window in tokens for documents longer than it, stride N/2"
                    + " (default: the model's context).")
    private Integer window;

    @Mixin
    private RuntimeOptions runtime;

    @Override
    public Integer call() {
        LlamaWeights weights = input.weights();
        Map<String, Object> report = new LinkedHashMap<>();
        try (LlamaModel model = runtime.load(weights)) {
            ExecutionPlan plan = planOption.plan(model, input.model);
            BitsPerByte.Result result = BitsPerByte.measure(model, plan,
                    input.tokenizer(weights), Corpus.documents(text),
                    window(window, weights));
            report.put("model", input.model.toString());
            report.put("text", text.toString());
            report.put("weights", runtime.weightName());
            report.put("plan", JsonParser.parseString(plan.toJson()));
            report.putAll(json(result));
        }
        Json.print(report);
        return 0;
    }

    /** The window asked for, or the model's context when none was. */
    static int window(Integer window, LlamaWeights weights) {
        return window != null ? window : weights.config().contextLength();
    }

    /** A result's fields as JSON, named as in {@link BitsPerByte.Result}. */
    static Map<String, Object> json(BitsPerByte.Result r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bitsPerByte", Json.round(r.bitsPerByte()));
        out.put("bits", Json.round(r.bits()));
        out.put("bytes", r.bytes());
        out.put("tokens", r.tokens());
        out.put("documents", r.documents());
        out.put("window", r.window());
        out.put("tokensPerByte", Json.round(r.tokensPerByte()));
        return out;
    }
}
