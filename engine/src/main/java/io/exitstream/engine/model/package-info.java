/** Model shape and host-side weights, independent of file format and tensor backend. */
package io.exitstream.engine.model;
