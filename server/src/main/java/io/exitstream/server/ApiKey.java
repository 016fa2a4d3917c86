package io.exitstream.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The key clients must send as {@code Authorization: Bearer KEY}. Only its SHA-256 is kept, and
 * a presented key is compared digest to digest in constant time, so that neither its content
 * nor its length leaks through timing. It prints as {@code ApiKey[hidden]}: options that hold
 * one can be logged.
 */
public final class ApiKey {

    private final byte[] digest;

    private ApiKey(byte[] digest) {
        this.digest = digest;
    }

    /** @throws IllegalArgumentException if the key is empty or holds whitespace */
    public static ApiKey of(String key) {
        if (key.isEmpty() || key.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("the API key must be non-empty and hold no"
                    + " whitespace");
        }
        return new ApiKey(sha256(key));
    }

    /** The key on the first line of {@code file} (trailing whitespace ignored). */
    public static ApiKey fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the API key file " + file + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        String line = text.lines().findFirst().orElse("").strip();
        if (line.isEmpty()) {
            throw new IllegalArgumentException("the API key file " + file + " is empty");
        }
        return of(line);
    }

    /** Whether {@code presented} (null when absent) is the key. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(digest, sha256(presented));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "ApiKey[hidden]";
    }
}
