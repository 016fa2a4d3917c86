/**
 * Reading, writing and validating checkpoints (llama2.c {@code .bin} files and Hugging Face
 * safetensors directories, converted to one host layout), and random models of benchmark shapes.
 */
package io.exitstream.engine.checkpoint;
