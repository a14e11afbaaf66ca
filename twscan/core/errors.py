"""The one exception type the CLI turns into exit code 2 and a single stderr line."""


class TwscanError(Exception):
    """A usage or runtime problem the user must fix; its message is shown as-is (never a secret)."""
