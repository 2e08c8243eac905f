package io.plasmavmc.contract.host;

/**
 * How a readiness probe's wait on the host ended: {@code ready}, with what showed it ({@code
 * detail}: the console line that matched, at most 200 characters, or the agent's answer) and when
 * the host noticed it ({@code noticedAtMillis}, epoch ms); or not, when the wait's own deadline
 * passed first.
 */
public record ProbeResult(boolean ready, String detail, long noticedAtMillis) {
  public static ProbeResult none() {
    return new ProbeResult(false, "", 0);
  }
}
