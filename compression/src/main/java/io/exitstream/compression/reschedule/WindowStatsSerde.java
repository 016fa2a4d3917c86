package io.exitstream.compression.reschedule;

/** The window aggregate in the state store and its changelog, as JSON. */
public final class WindowStatsSerde extends JsonSerde<WindowStats> {

    public WindowStatsSerde() {
        super(WindowStats.class);
    }
}
