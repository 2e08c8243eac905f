package io.plasmavmc.gateway;

import java.nio.file.Path;

/**
 * How the gateway authenticates callers: a tokens file (see {@link Tokens}), and/or TLS with a
 * server certificate ({@code tlsCert}, {@code tlsKey}); with {@code clientCa} also mutual TLS,
 * where a client certificate's OU names its role. At least one way must be configured.
 */
public record GatewaySecurity(Path tokensFile, Path tlsCert, Path tlsKey, Path clientCa) {
  public GatewaySecurity {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("TLS needs both a certificate chain and its private key");
    }
    if (clientCa != null && tlsCert == null) {
      throw new IllegalArgumentException("a client CA (mutual TLS) needs TLS: give the server's certificate and key too");
    }
    if (tokensFile == null && clientCa == null) {
      throw new IllegalArgumentException("no way to authenticate callers: give a tokens file (bearer tokens) or a client CA (mutual TLS)");
    }
  }

  public static GatewaySecurity tokens(Path tokensFile) {
    return new GatewaySecurity(tokensFile, null, null, null);
  }

  public boolean tls() {
    return tlsCert != null;
  }
}
