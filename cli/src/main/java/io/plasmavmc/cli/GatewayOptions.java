package io.plasmavmc.cli;

import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Where the gateway is and how vmctl proves who it is: accepted before or after any command. */
final class GatewayOptions {
  static final String DEFAULT_SERVER = "127.0.0.1:9090";

  private final OptionSpec server = Args.everywhere(Args.text("--server", "HOST:PORT",
      "the gateway (default: $PLASMAVMC_SERVER, else " + DEFAULT_SERVER + ")"));
  private final OptionSpec tokenFile = Args.everywhere(Args.text("--token-file", "FILE",
      "token to send (default: $PLASMAVMC_TOKEN, or ~/.config/plasmavmc/admin.token)"));
  private final OptionSpec ca = Args.everywhere(Args.text("--ca", "FILE",
      "speak TLS, trusting this CA (default: $PLASMAVMC_CA; none: plaintext)"));
  private final OptionSpec cert = Args.everywhere(Args.text("--cert", "FILE", "client certificate for mutual TLS (PEM)"));
  private final OptionSpec key = Args.everywhere(Args.text("--key", "FILE", "its private key (PKCS#8 PEM)"));

  void addTo(CommandSpec command) {
    List.of(server, tokenFile, ca, cert, key).forEach(option -> Args.add(command, option));
  }

  /**
   * A channel to the gateway, and the token every call carries (none if none is found). OkHttp, not
   * Netty: the lighter transport starts in a fraction of the time, which a one-call process feels.
   */
  Gateway connect(Path configDir) throws IOException {
    CallCredentials token = token(configDir);
    return new Gateway(OkHttpChannelBuilder.forTarget(target(), channelCredentials()).build(), token);
  }

  String target() {
    return firstOf(server.getValue(), System.getenv("PLASMAVMC_SERVER"), DEFAULT_SERVER);
  }

  /** --token-file, $PLASMAVMC_TOKEN, or the local stack's admin token. */
  private CallCredentials token(Path configDir) throws IOException {
    String file = tokenFile.getValue();
    String token = file != null ? read(Path.of(file), "--token-file") : System.getenv("PLASMAVMC_TOKEN");
    if (token == null || token.isBlank()) {
      token = LocalToken.read(configDir).orElse(null);
    }
    return token == null ? null : new BearerToken(token);
  }

  /** Plaintext (a gateway on loopback), or TLS trusting --ca (and presenting --cert/--key for mutual TLS). */
  private ChannelCredentials channelCredentials() throws IOException {
    String caFile = firstOf(ca.getValue(), System.getenv("PLASMAVMC_CA"), null);
    String certFile = cert.getValue();
    String keyFile = key.getValue();
    if (caFile == null) {
      if (certFile != null || keyFile != null) {
        throw new IllegalArgumentException("--cert and --key need --ca (the CA of the gateway's certificate)");
      }
      return InsecureChannelCredentials.create();
    }
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("--cert and --key go together");
    }
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder().trustManager(file(Path.of(caFile), "--ca").toFile());
    if (certFile != null) {
      tls.keyManager(file(Path.of(certFile), "--cert").toFile(), file(Path.of(keyFile), "--key").toFile());
    }
    return tls.build();
  }

  private static String read(Path file, String option) throws IOException {
    return Files.readString(file(file, option)).strip();
  }

  private static Path file(Path file, String option) {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(option + ": cannot read " + file);
    }
    return file;
  }

  private static String firstOf(String given, String environment, String fallback) {
    if (given != null && !given.isBlank()) {
      return given;
    }
    return environment != null && !environment.isBlank() ? environment : fallback;
  }
}
