package io.exitstream.engine.checkpoint;

import java.util.Arrays;

/**
 * A float tensor with its checkpoint name and shape, as handed to {@link SafetensorsWriter}.
 *
 * @param shape dimensions, outermost first; their product is {@code values.length}
 */
public record NamedTensor(String name, long[] shape, float[] values) {

    public NamedTensor {
        long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (elements != values.length) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(shape)
                    + " but " + values.length + " values");
        }
    }
}
