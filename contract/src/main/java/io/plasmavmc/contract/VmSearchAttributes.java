package io.plasmavmc.contract;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/** Search attributes that make the Temporal UI list VMs by name, state and host. */
public final class VmSearchAttributes {
  public static final SearchAttributeKey<String> NAME = SearchAttributeKey.forKeyword("VmName");
  public static final SearchAttributeKey<String> STATE = SearchAttributeKey.forKeyword("VmState");
  public static final SearchAttributeKey<String> HOST = SearchAttributeKey.forKeyword("VmHost");

  public static final List<SearchAttributeKey<String>> ALL = List.of(NAME, STATE, HOST);

  private VmSearchAttributes() {}
}
