package io.exitstream.server;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How much quality a request trades for speed, chosen per request with
 * {@code "exitstream": {"quality": "fast"}} or the model alias {@code MODEL:fast}. Each class
 * runs under its own plan (see {@link QualityPlans}); requests that choose none run under the
 * server's plan, the one the adaptive loop swaps.
 */
public enum QualityClass {
    /** The full model: exactly its tokens, so a seed reproduces the text whatever else runs. */
    EXACT,
    /** A plan certified at a high agreement with the full model. */
    BALANCED,
    /** A faster plan certified at a lower agreement. */
    FAST;

    /** The name in the API, in telemetry and in {@code plans/classes.json}. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The class named {@code name}, or an {@link ApiError} naming {@code param}. */
    static QualityClass parse(String name, String param) {
        for (QualityClass quality : values()) {
            if (quality.apiName().equals(name)) {
                return quality;
            }
        }
        throw ApiError.invalid(param + " must be one of " + names() + ", got '"
                + (name.length() > 40 ? name.substring(0, 40) + "..." : name) + "'", param);
    }

    static String names() {
        return Arrays.stream(values()).map(QualityClass::apiName)
                .collect(Collectors.joining(", "));
    }
}
