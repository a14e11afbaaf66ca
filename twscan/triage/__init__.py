"""Triage: what of the engine's findings is reported and what fails the run.

In the order :func:`twscan.triage.policy.triage` applies it:

- ``config``: the project's settings (``.twscan.toml`` or ``[tool.twscan]``), with ``pathglob``
  for its path patterns; ``committed`` reads the settings a range or a push is checked under
  from the commit, not the checkout;
- ``ignores``: inline ``twscan:ignore`` / ``twscan:ignore-next-line`` marks (applied by the
  engine while it has the text's lines);
- ``baseline``: the findings a team has accepted, so that only new ones fail;
- ``policy``: sorts the findings into reported, failing and set aside (excludes, allowlist,
  inline ignores, baseline, in that order), and ``--fail-on`` decides the exit code.

Nothing is re-exported: the commit hook imports only the modules it uses (most repositories
have no baseline, and never load ``baseline``).
"""
