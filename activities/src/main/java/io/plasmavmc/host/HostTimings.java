package io.plasmavmc.host;

/** Where the host layer reports how long QEMU took: to start, and to answer each QMP command. */
public interface HostTimings {
  HostTimings NONE = new HostTimings() {
    @Override
    public void spawned(long nanos, boolean ok) {}

    @Override
    public void qmp(String command, long nanos) {}
  };

  /** A spawn (QEMU started until its monitor answered), {@code ok} or failed. */
  void spawned(long nanos, boolean ok);

  /** One QMP command's round trip. */
  void qmp(String command, long nanos);
}
