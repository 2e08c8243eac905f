package io.plasmavmc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.ImageServiceGrpc;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.VmServiceGrpc;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every RPC of the authenticated services has a role of its own choosing, not the fallback: a new RPC must be given one. */
class AuthenticatorRolesTest {
  @Test
  void everyRpcHasARole() {
    for (ServiceDescriptor service : List.of(VmServiceGrpc.getServiceDescriptor(), ImageServiceGrpc.getServiceDescriptor(),
        LifecycleTestServiceGrpc.getServiceDescriptor(), HostServiceGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        assertTrue(Authenticator.REQUIRED.containsKey(method.getBareMethodName()), method.getFullMethodName() + " has no role");
      }
    }
  }

  @Test
  void imagesAndSnapshotsNeedTheRolesTheReadmeDocuments() {
    Map<String, Role> expected = Map.of("ListImages", Role.VIEWER, "GetImage", Role.VIEWER, "GetImageImport", Role.VIEWER,
        "ImportImage", Role.OPERATOR, "DeleteImage", Role.ADMIN, "ListSnapshots", Role.VIEWER, "SnapshotVm", Role.OPERATOR,
        "RestoreSnapshot", Role.OPERATOR, "DeleteSnapshot", Role.OPERATOR);
    expected.forEach((rpc, role) -> assertEquals(role, Authenticator.REQUIRED.get(rpc), rpc));
  }

  @Test
  void hostsNeedTheRolesTheReadmeDocuments() {
    Map<String, Role> expected = Map.of("ListHosts", Role.VIEWER, "GetHost", Role.VIEWER, "CordonHost", Role.OPERATOR,
        "UncordonHost", Role.OPERATOR, "DrainHost", Role.ADMIN);
    expected.forEach((rpc, role) -> assertEquals(role, Authenticator.REQUIRED.get(rpc), rpc));
  }
}
