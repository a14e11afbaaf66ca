"""Twilio's REST API for ``twscan respond``: :mod:`client` (bounded, Twilio's hosts only) and
:mod:`api` (the endpoints a takeover response touches). Imported by that command only."""
