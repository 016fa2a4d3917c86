/** Reading, writing and validating checkpoints: llama2.c {@code .bin} and Hugging Face dirs. */
package io.exitstream.engine.checkpoint;
