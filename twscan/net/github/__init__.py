"""GitHub exposure check: is a Twilio SID already public on GitHub, where, since when, by whom?

``exposure`` orchestrates (SIDs in, :class:`~twscan.net.github.exposure.ExposureResult` out),
``client`` talks to the REST API, ``ratelimit`` paces it, ``cache`` keeps answers on disk and
``render`` prints them. Nothing here imports ``requests`` until a check actually runs, so the
scan path, which imports this package for its options, stays fast and dependency-free.
"""
