package io.exitstream.cli;

import com.google.gson.Gson;
import io.exitstream.compression.train.JsonLines;
import io.exitstream.engine.tokenizer.ByteLevelBpe;
import io.exitstream.engine.tokenizer.ByteLevelBpeTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains a byte-level BPE tokenizer (GPT-2 style) on a JSON Lines corpus and writes it as a
 * standard tokenizer.json; a one-line JSON summary goes to stdout, progress to stderr.
 */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Train a byte-level BPE tokenizer (GPT-2 style, <s> and </s> as ids 0"
                + " and 1) on a JSON Lines corpus of {\"text\": ...} documents and write it as"
                + " a Hugging Face tokenizer.json.")
final class TokenizerCommand implements Callable<Integer> {

    @Option(names = "--corpus", required = true, paramLabel = "FILE",
            description = "JSON Lines, one {\"text\": \"...\"} document per line.")
    private Path corpus;

    @Option(names = "--vocab", defaultValue = "2048",
            description = "Vocabulary size, " + ByteLevelBpeTrainer.MIN_VOCAB_SIZE + " to "
                    + ByteLevelBpeTrainer.MAX_VOCAB_SIZE + " (default: ${DEFAULT-VALUE}).")
    private int vocab;

    @Option(names = "--out", required = true, paramLabel = "PATH",
            description = "The tokenizer.json to write (its folder is created).")
    private Path out;

    @Override
    public Integer call() throws IOException {
        ByteLevelBpeTrainer trainer = new ByteLevelBpeTrainer(vocab);
        ConsoleProgress progress = new ConsoleProgress();
        ByteLevelBpe bpe;
        try {
            JsonLines.forEach(corpus, trainer::add);
            progress.begin("merges", trainer.targetMerges());
            bpe = trainer.train(merges -> progress.step());
        } finally {
            progress.end();
        }
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        bpe.write(out);
        System.err.println("wrote tokenizer " + out);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("tokenizer", out.toString());
        summary.put("vocab_size", bpe.vocabSize());
        summary.put("merges", bpe.merges().size());
        summary.put("documents", bpe.documents());
        summary.put("bytes", bpe.bytes());
        summary.put("tokens", bpe.corpusTokens());
        summary.put("bytes_per_token", bpe.corpusTokens() == 0 ? 0
                : Json.round((double) bpe.bytes() / bpe.corpusTokens()));
        System.out.println(new Gson().toJson(summary));
        return 0;
    }
}
