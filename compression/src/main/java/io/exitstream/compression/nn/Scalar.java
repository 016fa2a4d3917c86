package io.exitstream.compression.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Numbers for arithmetic that records gradients, as 0-dimensional tensors in PyTorch's own
 * memory.
 *
 * <p>DJL's overloads that take a number ({@code x.mul(2f)}, {@code x.maximum(0f)}, and the
 * activations built on them, such as {@code Activation.swish}) wrap it in a tensor over a Java
 * direct buffer and close that tensor as soon as the operation returns. Autograd keeps the
 * tensor for the backward pass, but nothing keeps the buffer: once the garbage collector has
 * freed it, backward multiplies by whatever reused that memory, and the gradients are garbage
 * (a test shows it). Code that trains uses these instead; inference, which saves nothing, may
 * use DJL's overloads.
 */
public final class Scalar {

    private Scalar() {
    }

    /** {@code value} with {@code like}'s type, in {@code like}'s manager. */
    public static NDArray of(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }
}
