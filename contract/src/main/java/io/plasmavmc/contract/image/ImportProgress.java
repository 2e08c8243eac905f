package io.plasmavmc.contract.image;

/** How far an image import has come: {@code phase} (copying, converting, checksumming) and the bytes done of all. */
public record ImportProgress(String phase, long doneBytes, long totalBytes) {
  public int percent() {
    return totalBytes <= 0 ? 0 : (int) Math.min(100, doneBytes * 100 / totalBytes);
  }
}
