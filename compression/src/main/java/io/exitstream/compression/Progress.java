package io.exitstream.compression;

/**
 * Where a long job says how far it got; the CLI draws it as a progress bar. One task at a time:
 * {@link #begin}, {@link #step} up to the total, {@link #end}.
 */
public interface Progress {

    /** Reports nothing (tests, library use). */
    Progress NONE = new Progress() {
        @Override
        public void begin(String task, long total) {
        }

        @Override
        public void step() {
        }

        @Override
        public void end() {
        }
    };

    void begin(String task, long total);

    void step();

    void end();
}
