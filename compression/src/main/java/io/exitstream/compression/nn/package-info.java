/** The training-side Llama forward pass, written op by op on DJL for autograd and probes. */
package io.exitstream.compression.nn;
