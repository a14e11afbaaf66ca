"""The network features, imported only when asked for.

``github/`` is the GitHub exposure check (``--check-github``, ``twscan exposure``: client,
cache, rate limits, rendering) and ``verify`` the liveness check (``--verify``); the coming
Twilio response client goes in ``net/twilio/``. None of them is imported by the commit hook or
by a scan without ``--check-github`` / ``--verify``, and ``requests`` loads only when a check
runs. The one module every scan command does import is ``github.options``: the command-line
options of these features and their defaults, argparse and nothing else, so that registering
``--check-github`` and ``--verify`` costs the hook no network code.
"""
