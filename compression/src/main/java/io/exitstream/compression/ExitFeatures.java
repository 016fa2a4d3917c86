package io.exitstream.compression;

import io.exitstream.engine.runtime.LlamaModel;

/**
 * What exit heads learn from: for every position of a corpus, the hidden state after each exit
 * layer and the full model's logits there (the teacher). Rows of all sequences are stacked in
 * order; every position counts, the last of a sequence too, since distillation needs no label.
 *
 * @param hidden per exit layer {@code l} (index l), row-major {@code [rows, dim]}
 * @param teacherLogits row-major {@code [rows, vocab]}
 */
record ExitFeatures(int rows, float[][] hidden, float[] teacherLogits) {

    /** Runs the corpus through the model once, keeping the outputs of layers {@code 0..L-2}. */
    static ExitFeatures collect(LlamaModel model, Corpus corpus) {
        int layers = model.config().layers();
        int dim = model.config().dim();
        int vocab = model.config().vocabSize();
        int rows = corpus.sequences().stream().mapToInt(s -> s.length).sum();
        float[][] hidden = new float[layers - 1][rows * dim];
        float[] logits = new float[rows * vocab];
        int row = 0;
        try (TeacherForcing pass = new TeacherForcing(model, corpus)) {
            for (int[] tokens : corpus.sequences()) {
                TeacherForcing.Trace trace = pass.trace(tokens);
                for (int l = 0; l < layers - 1; l++) {
                    System.arraycopy(trace.hidden()[l + 1], 0, hidden[l], row * dim,
                            tokens.length * dim);
                }
                System.arraycopy(trace.logits(), 0, logits, row * vocab, tokens.length * vocab);
                row += tokens.length;
            }
        }
        return new ExitFeatures(rows, hidden, logits);
    }
}
