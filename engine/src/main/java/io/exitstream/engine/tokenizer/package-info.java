/** Tokenizers: llama2.c's SentencePiece-style BPE and Hugging Face {@code tokenizer.json}. */
package io.exitstream.engine.tokenizer;
