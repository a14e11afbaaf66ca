"""twscan: find leaked Twilio credentials before attackers do."""

__version__ = "0.1.0"
