package io.exitstream.engine.checkpoint;

/**
 * Converts query and key projections between the two RoPE row orders. llama2.c (like Meta's
 * original Llama code) rotates adjacent pairs {@code (2i, 2i+1)} of each head; Hugging Face
 * Llama rotates halves {@code (i, i + head_size/2)}. HF's {@code convert_llama_weights_to_hf.py}
 * therefore permutes the rows of {@code wq} and {@code wk} per head: Hugging Face row
 * {@code p * head_size/2 + i} is llama2.c row {@code 2i + p}. Both directions are exact copies.
 */
public final class RopeLayout {

    private RopeLayout() {
    }

    /** Reorders the rows of a {@code [heads * headSize, in]} matrix from llama2.c's to HF's. */
    public static float[] toHuggingFace(float[] w, int heads, int headSize) {
        return permuteRows(w, heads, headSize, true);
    }

    /** Reorders the rows of a {@code [heads * headSize, in]} matrix from HF's to llama2.c's. */
    public static float[] toLlama2c(float[] w, int heads, int headSize) {
        return permuteRows(w, heads, headSize, false);
    }

    private static float[] permuteRows(float[] w, int heads, int headSize, boolean toHuggingFace) {
        int rows = heads * headSize;
        if (headSize % 2 != 0 || w.length % rows != 0) {
            throw new IllegalArgumentException(w.length + " values are not " + heads
                    + " heads of an even size " + headSize);
        }
        int columns = w.length / rows;
        int half = headSize / 2;
        float[] permuted = new float[w.length];
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < half; i++) {
                for (int p = 0; p < 2; p++) {
                    int pairRow = head * headSize + 2 * i + p;
                    int halfRow = head * headSize + p * half + i;
                    int from = toHuggingFace ? pairRow : halfRow;
                    int to = toHuggingFace ? halfRow : pairRow;
                    System.arraycopy(w, from * columns, permuted, to * columns, columns);
                }
            }
        }
        return permuted;
    }
}
