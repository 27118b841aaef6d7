"""The property-based fuzz suite (issue 13): hostile inventory, roster, profile, policy, targets
and secrets files, and hostile SNMP replies.

Each property asserts the same contract: netctl either accepts the input or refuses it with one
of its own error types (a message with the file, line and fix), never a traceback; no case
hangs (hypothesis ``deadline``) or takes unbounded memory (:func:`bounded`); and no accepted
value that a template can print holds a control or format character.

Bounded for CI: a fixed, derandomized set of examples per property (``NETCTL_FUZZ_EXAMPLES``,
default 40) so the whole suite runs in well under a minute and a failure reproduces. Run more
locally with ``NETCTL_FUZZ_EXAMPLES=2000 NETCTL_FUZZ_RANDOM=1 pytest tests/fuzz`` (new examples
each run).
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

settings.register_profile(
    "netctl-ci",
    max_examples=int(os.environ.get("NETCTL_FUZZ_EXAMPLES", "40")),
    deadline=timedelta(seconds=10),  # tiny cases; a loaded CI machine must not flake
    derandomize=os.environ.get("NETCTL_FUZZ_RANDOM") != "1",  # CI: the same examples every run
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
settings.load_profile("netctl-ci")
