/**
 * Exit heads: per-layer confidence classifiers (CALM) and optional low-rank adapters that let a
 * token leave the layer stack early, and their safetensors file.
 */
package io.exitstream.engine.exits;
