/**
 * Execution plans: which layers a model skips (its static schedule) and how tokens may leave the
 * layer stack early. Plans are immutable, versioned values that travel as JSON.
 */
package io.exitstream.engine.plan;
