package io.exitstream.router;

/** Where a replica listens: a host name or address and a port. */
public record ReplicaAddress(String host, int port) {

    /** Parses {@code host:port}, optionally prefixed with {@code http://}. */
    static ReplicaAddress parse(String text) {
        String plain = text.startsWith("http://") ? text.substring("http://".length()) : text;
        if (plain.endsWith("/")) {
            plain = plain.substring(0, plain.length() - 1);
        }
        int colon = plain.lastIndexOf(':');
        if (colon <= 0 || colon == plain.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not host:port");
        }
        int port;
        try {
            port = Integer.parseInt(plain.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no numeric port");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "' has port " + port
                    + ", outside 1..65535");
        }
        return new ReplicaAddress(plain.substring(0, colon), port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
