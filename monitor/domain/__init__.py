"""Pure decisions of the policy (P3, P4): no database, no network; ``now`` is passed in."""
