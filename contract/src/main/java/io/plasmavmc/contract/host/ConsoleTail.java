package io.plasmavmc.contract.host;

/** The end of a VM's serial console log: at most the bytes asked for, and the log's whole length. */
public record ConsoleTail(byte[] data, long totalBytes) {
  public boolean truncated() {
    return totalBytes > data.length;
  }
}
