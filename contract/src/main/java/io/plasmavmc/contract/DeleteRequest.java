package io.plasmavmc.contract;

/** A deletion: QEMU ends, the runtime directory goes and, unless {@code keepDisks}, the VM's own disks and seed. */
public record DeleteRequest(boolean keepDisks) {
  public static final DeleteRequest ALL = new DeleteRequest(false);

  /** Deletions recorded before the request had a parameter arrive as null: they removed everything there was. */
  public static DeleteRequest orDefault(DeleteRequest request) {
    return request == null ? ALL : request;
  }
}
