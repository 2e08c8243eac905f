package io.plasmavmc.contract.fleet;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Search attributes that make the Temporal UI list hosts by their state ({@link HostState}'s
 * names). Registered with the VMs' own: a workflow that upserts an unknown one fails its task.
 */
public final class HostSearchAttributes {
  public static final SearchAttributeKey<String> STATE = SearchAttributeKey.forKeyword("HostState");

  public static final List<SearchAttributeKey<String>> ALL = List.of(STATE);

  private HostSearchAttributes() {}
}
