"""Build a throwaway project with freshly generated fake Twilio credentials and scan it.

Nothing here is a real credential: every value is random hex made at run time, so the demo
shows what twscan reports without this repository ever holding a credential-shaped string.
"""

from __future__ import annotations

import secrets
import string
import subprocess
import sys
import tempfile
from pathlib import Path


def _alnum(n: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "A" + "".join(secrets.choice(alphabet) for _ in range(n - 2)) + "z"


def build(root: Path) -> None:
    sid, token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
    key, secret = "SK" + secrets.token_hex(16), _alnum(32)
    (root / "app").mkdir()
    (root / ".env").write_text(
        f"# local settings\nTWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={token}\n"
        f"ASSET_CHECKSUM={secrets.token_hex(16)}\n"  # an md5-like value: not a token
    )
    (root / "app" / "notify.py").write_text(
        "from twilio.rest import Client\n\n"
        f'client = Client("{key}", "{secret}", "{sid}")\n'
        'client.messages.create(to="+15005550006", from_="+15005550001", body="hi")\n'
    )
    (root / "app" / "settings.py").write_text(
        "import os\n"
        'TWILIO_AUTH_TOKEN = os.environ["TWILIO_AUTH_TOKEN"]  # a reference, not a secret\n'
        'TWILIO_ACCOUNT_SID = "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"  # a placeholder\n'
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="twscan-demo-") as d:
        root = Path(d)
        build(root)
        print(f"Scanning a throwaway project at {root} (fake credentials made just now):\n")
        rc = subprocess.call([sys.executable, "-m", "twscan", "scan", str(root), *sys.argv[1:]])
        print(f"\ntwscan exited with {rc} (0 clean, 1 findings, 2 error).")
        return 0 if rc == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
