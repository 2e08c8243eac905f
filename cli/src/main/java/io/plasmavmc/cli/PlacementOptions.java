package io.plasmavmc.cli;

import io.plasmavmc.api.v1.Placement;
import io.plasmavmc.api.v1.PlacementPolicy;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** create's --placement and --label: how the fleet chooses a VM's host when --host names none. The gateway checks the labels. */
final class PlacementOptions {
  private final OptionSpec policy = Args.choice("--placement", "POLICY", List.of("spread", "pack"),
      "how placement chooses a host: ${CHOICES} (default: spread, the one with the most memory left; pack: the least that fits)");
  private final OptionSpec labels = Args.repeatable("--label", "KEY=VALUE", "only a host with this label (repeatable)");

  PlacementOptions(GatewayCommand command) {
    command.arg(policy);
    command.arg(labels);
  }

  Placement.Builder placement() {
    String asked = policy.getValue();
    Placement.Builder placement = Placement.newBuilder().setPolicy(switch (asked == null ? "" : asked) {
      case "" -> PlacementPolicy.PLACEMENT_POLICY_UNSPECIFIED;
      case "spread" -> PlacementPolicy.PLACEMENT_POLICY_SPREAD;
      case "pack" -> PlacementPolicy.PLACEMENT_POLICY_PACK;
      default -> throw new IllegalArgumentException("--placement must be spread or pack, not " + asked);
    });
    for (String label : Args.values(labels)) {
      int eq = label.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--label takes KEY=VALUE, not " + label);
      }
      placement.putLabels(label.substring(0, eq), label.substring(eq + 1));
    }
    return placement;
  }
}
