package io.exitstream.cli;

import io.exitstream.engine.runtime.WeightType;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code float32} / {@code bfloat16} (or {@code fp32}, {@code bf16}) case-insensitively. */
final class WeightTypeConverter implements ITypeConverter<WeightType> {

    @Override
    public WeightType convert(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "float32", "fp32", "f32" -> WeightType.FLOAT32;
            case "bfloat16", "bf16" -> WeightType.BFLOAT16;
            default -> throw new TypeConversionException("'" + value
                    + "' is not a weight type; use float32 or bfloat16");
        };
    }

    static String name(WeightType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }
}
