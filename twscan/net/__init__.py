"""The network features, imported only when asked for.

``github/`` is the GitHub exposure check (``--check-github``, ``twscan exposure``: client,
cache, rate limits, rendering), ``verify`` the liveness check (``--verify``) and ``twilio/``
the Twilio API client of ``twscan respond``; ``transfer`` (one bounded HTTP exchange) and
``hosts`` (which host a URL names) serve them all. None of them is imported by the commit hook
or by a scan without ``--check-github`` / ``--verify``, and ``requests`` loads only when a
check runs. The one module every scan command does import is ``github.options``: the command-line
options of these features and their defaults, argparse and nothing else, so that registering
``--check-github`` and ``--verify`` costs the hook no network code.
"""
