package io.plasmavmc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.plasmavmc.api.v1.CloudInit;
import io.plasmavmc.api.v1.Disk;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.InvalidSpecException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The wire's disks in their three forms and its cloud-init data, to the contract and back, and every bad value named by its field. */
class SpecMappingTest {
  private static VmSpec.Builder spec() {
    return VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true);
  }

  private static io.plasmavmc.contract.spec.VmSpec map(VmSpec.Builder spec) {
    return SpecMapping.fromProto("demo", spec.build());
  }

  @Test
  void eachFormOfDiskMapsToTheContractAndBack() {
    io.plasmavmc.contract.spec.VmSpec mapped = map(spec()
        .addDisks(Disk.newBuilder().setImage("debian-12").setSizeGib(20))
        .addDisks(Disk.newBuilder().setImage("debian-12"))
        .addDisks(Disk.newBuilder().setSizeGib(10))
        .addDisks(Disk.newBuilder().setPath("/var/lib/plasmavmc/images/data.raw").setFormat(DiskFormat.DISK_FORMAT_RAW).setReadOnly(true)));
    assertEquals(List.of(DiskSpec.fromImage("debian-12", 20), DiskSpec.fromImage("debian-12", 0), DiskSpec.blank(10),
        new DiskSpec("/var/lib/plasmavmc/images/data.raw", io.plasmavmc.contract.spec.DiskFormat.RAW, true)), mapped.disks());

    List<Disk> back = SpecMapping.toProto(mapped).getDisksList();
    assertEquals(Disk.newBuilder().setImage("debian-12").setSizeGib(20).build(), back.get(0));
    assertEquals(Disk.newBuilder().setSizeGib(10).build(), back.get(2));
    assertEquals(Disk.newBuilder().setPath("/var/lib/plasmavmc/images/data.raw").setFormat(DiskFormat.DISK_FORMAT_RAW).setReadOnly(true)
        .build(), back.get(3));
  }

  @Test
  void cloudInitMapsToTheContractAndBack() {
    CloudInit data = CloudInit.newBuilder().setUserData("#cloud-config\n# plasmavmc-marker: hello\n").setNetworkConfig("version: 2\n").build();
    io.plasmavmc.contract.spec.VmSpec mapped = map(spec().setCloudInit(data));
    assertEquals(new io.plasmavmc.contract.spec.CloudInit("#cloud-config\n# plasmavmc-marker: hello\n", "", "version: 2\n"),
        mapped.cloudInit());
    assertEquals(data, SpecMapping.toProto(mapped).getCloudInit());

    assertNull(map(spec()).cloudInit(), "no cloud_init: no seed");
    assertEquals(false, SpecMapping.toProto(map(spec())).hasCloudInit());
  }

  record Bad(String field, VmSpec.Builder spec) {
    @Override
    public String toString() {
      return field;
    }
  }

  static List<Bad> badSpecs() {
    String big = "x".repeat(64 * 1024 + 1);
    Disk.Builder ok = Disk.newBuilder().setImage("debian-12");
    return List.of(
        new Bad("spec.disks[0].image", spec().addDisks(Disk.newBuilder().setImage("../etc/passwd"))),
        new Bad("spec.disks[1].image", spec().addDisks(ok).addDisks(Disk.newBuilder().setImage("a,b"))),
        new Bad("spec.disks[0].image", spec().addDisks(Disk.newBuilder().setImage("x".repeat(64)))),
        new Bad("spec.disks[0].size_gib", spec().addDisks(Disk.newBuilder().setSizeGib(4097))),
        new Bad("spec.disks[0].size_gib", spec().addDisks(Disk.newBuilder().setImage("debian-12").setSizeGib(-1))),
        new Bad("spec.disks[0].size_gib", spec().addDisks(Disk.newBuilder().setPath("/x.raw").setFormat(DiskFormat.DISK_FORMAT_RAW)
            .setSizeGib(1))),
        new Bad("spec.disks[0]", spec().addDisks(Disk.newBuilder().setPath("/x.raw").setFormat(DiskFormat.DISK_FORMAT_RAW).setImage("i"))),
        new Bad("spec.disks[0]", spec().addDisks(Disk.newBuilder())),
        new Bad("spec.disks[0].read_only", spec().addDisks(Disk.newBuilder().setImage("debian-12").setReadOnly(true))),
        new Bad("spec.disks[0].format", spec().addDisks(Disk.newBuilder().setImage("debian-12").setFormat(DiskFormat.DISK_FORMAT_RAW))),
        new Bad("spec.disks[0].format", spec().addDisks(Disk.newBuilder().setSizeGib(1).setFormatValue(7))),
        new Bad("spec.disks[0].format", spec().addDisks(Disk.newBuilder().setPath("/x.raw"))),
        new Bad("spec.disks", spec().addAllDisks(Collections.nCopies(17, ok.build()))),
        new Bad("spec.cloud_init.user_data", spec().setCloudInit(CloudInit.newBuilder().setUserData(big))),
        new Bad("spec.cloud_init.user_data", spec().setCloudInit(CloudInit.newBuilder().setUserData("\u00e9".repeat(32 * 1024 + 1)))),
        new Bad("spec.cloud_init.meta_data", spec().setCloudInit(CloudInit.newBuilder().setMetaData("x".repeat(16 * 1024 + 1)))),
        new Bad("spec.cloud_init.network_config", spec().setCloudInit(CloudInit.newBuilder().setNetworkConfig("x".repeat(16 * 1024 + 1)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSpecs")
  void aBadDiskOrCloudInitIsRefusedNamingItsField(Bad bad) {
    InvalidSpecException refused = assertThrows(InvalidSpecException.class, () -> map(bad.spec()));
    assertEquals(bad.field(), refused.field(), refused.getMessage());
  }

  @Test
  void cloudInitAtItsBoundsIsAccepted() {
    map(spec().setCloudInit(CloudInit.newBuilder().setUserData("x".repeat(64 * 1024)).setMetaData("x".repeat(16 * 1024))
        .setNetworkConfig("x".repeat(16 * 1024))));
  }
}
