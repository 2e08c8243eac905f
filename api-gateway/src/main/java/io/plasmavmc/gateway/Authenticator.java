package io.plasmavmc.gateway;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.ImageServiceGrpc;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.VmServiceGrpc;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every call to VmService, LifecycleTestService, ImageService and HostService is authenticated here, and only
 * here: by a verified TLS client certificate, whose OU names its role, or by
 * {@code authorization: Bearer <token>}. A call
 * without valid credentials is UNAUTHENTICATED, one whose role is too small PERMISSION_DENIED.
 * Other services (health, reflection) stay open.
 */
final class Authenticator implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(Authenticator.class);
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  /** The caller, for whoever wants to log it: "token:admin" or "cert:CN=alice". */
  static final Context.Key<String> CALLER = Context.key("plasmavmc-caller");

  /** The role each call needs; a method this table forgot needs admin. */
  static final Map<String, Role> REQUIRED = Map.ofEntries(
      Map.entry("GetVm", Role.VIEWER),
      Map.entry("ListVms", Role.VIEWER),
      Map.entry("WatchVm", Role.VIEWER),
      Map.entry("GetConsoleLog", Role.VIEWER),
      Map.entry("CreateVm", Role.OPERATOR),
      Map.entry("StartVm", Role.OPERATOR),
      Map.entry("StopVm", Role.OPERATOR),
      Map.entry("PauseVm", Role.OPERATOR),
      Map.entry("ResumeVm", Role.OPERATOR),
      Map.entry("RebootVm", Role.OPERATOR),
      Map.entry("DeleteVm", Role.OPERATOR),
      Map.entry("ListOrphans", Role.ADMIN),
      Map.entry("ListSnapshots", Role.VIEWER),
      Map.entry("SnapshotVm", Role.OPERATOR),
      Map.entry("RestoreSnapshot", Role.OPERATOR),
      Map.entry("DeleteSnapshot", Role.OPERATOR),
      Map.entry("MigrateVm", Role.OPERATOR),
      Map.entry("ListImages", Role.VIEWER),
      Map.entry("GetImage", Role.VIEWER),
      Map.entry("GetImageImport", Role.VIEWER),
      Map.entry("ImportImage", Role.OPERATOR),
      // An image is the host's, shared by every VM made from it: removing one is a host-level change.
      Map.entry("DeleteImage", Role.ADMIN),
      Map.entry("GetLifecycleTestRun", Role.VIEWER),
      Map.entry("ListLifecycleTestRuns", Role.VIEWER),
      Map.entry("WatchLifecycleTestRun", Role.VIEWER),
      Map.entry("GetLifecycleTestAttemptConsole", Role.VIEWER),
      Map.entry("RunLifecycleTest", Role.OPERATOR),
      Map.entry("CancelLifecycleTestRun", Role.OPERATOR),
      Map.entry("ListHosts", Role.VIEWER),
      Map.entry("GetHost", Role.VIEWER),
      // Cordoning only keeps new VMs away and is undone as easily: an operator's call.
      Map.entry("CordonHost", Role.OPERATOR),
      Map.entry("UncordonHost", Role.OPERATOR),
      // A drain moves (or stops) every VM of the host, whoever's they are: a host-level change.
      Map.entry("DrainHost", Role.ADMIN));

  private static final Set<String> AUTHENTICATED = Set.of(VmServiceGrpc.SERVICE_NAME, LifecycleTestServiceGrpc.SERVICE_NAME,
      ImageServiceGrpc.SERVICE_NAME, HostServiceGrpc.SERVICE_NAME);

  private record Caller(String name, Role role) {}

  private final Tokens tokens;

  Authenticator(Tokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if (!AUTHENTICATED.contains(service)) {
      return next.startCall(call, headers);
    }
    String method = call.getMethodDescriptor().getBareMethodName();
    Role required = REQUIRED.getOrDefault(method, Role.ADMIN); // a method this table forgot needs the most
    Optional<Caller> caller = certificateCaller(call).or(() -> tokenCaller(headers));
    if (caller.isEmpty()) {
      call.close(Status.UNAUTHENTICATED.withDescription(
          "send 'authorization: Bearer <token>' (or a client certificate where mutual TLS is on)"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (!caller.get().role().includes(required)) {
      log.info("{} as {} may not call {}: it needs {}", caller.get().name(), caller.get().role().label(), method, required.label());
      call.close(Status.PERMISSION_DENIED.withDescription(
          "role " + caller.get().role().label() + " may not call " + method + "; it needs " + required.label()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER, caller.get().name()), call, headers, next);
  }

  private Optional<Caller> tokenCaller(Metadata headers) {
    String header = headers.get(AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || tokens == null) {
      return Optional.empty();
    }
    return tokens.roleOf(header.substring(7).strip()).map(role -> new Caller("token:" + role.label(), role));
  }

  /** A client certificate the TLS handshake verified against the client CA; its OU is its role. */
  private static Optional<Caller> certificateCaller(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return Optional.empty();
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty(); // no client certificate: the token decides
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
      return Optional.empty();
    }
    String subject = certificate.getSubjectX500Principal().getName();
    try {
      for (Rdn rdn : new LdapName(subject).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("OU")) {
          Optional<Role> role = Role.parse(String.valueOf(rdn.getValue()));
          if (role.isPresent()) {
            return Optional.of(new Caller("cert:" + subject, role.get()));
          }
        }
      }
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
