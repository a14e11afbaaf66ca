"""Adversarial ground-truth corpus for twscan's accuracy tests.

``build_corpus(root, seed)`` writes a few hundred realistic files (~60 formats: dotenv, YAML,
Kubernetes, Terraform, Postman, notebooks, SDK code in a dozen languages, logs, minified
bundles, lockfiles, ...) and returns every Twilio/SendGrid credential it planted.  The same files
carry at least as many *decoys*: values of the same shape that are not credentials (other
services' keys, checksums, resource SIDs, placeholders, references to secret stores, ...).

The generator was written from what real-world files look like, not from the engine's code.
Every credential is freshly random per seed and no credential-shaped literal appears in this
source file: placeholders such as ``"AC" + "a" * 32`` are assembled at run time.

This module has no dependency on pytest; ``generate()`` also returns the decoys, which the
accuracy test uses to label false positives.
"""

from __future__ import annotations

import json
import pathlib
import random
import re
import string
import textwrap
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "ACCOUNT_SID",
    "API_KEY_SECRET",
    "API_KEY_SID",
    "AUTH_TOKEN",
    "KINDS",
    "KIND_RE",
    "SECRET_KINDS",
    "SENDGRID_API_KEY",
    "Corpus",
    "Credentials",
    "Decoy",
    "Planted",
    "build_corpus",
    "generate",
    "make_credentials",
    "new_account_sid",
    "new_api_key_secret",
    "new_api_key_sid",
    "new_auth_token",
    "new_sendgrid_key",
    "redact",
]

HEX = string.digits + "abcdef"
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
UPPER_ALNUM = string.ascii_uppercase + string.digits

ACCOUNT_SID = "account-sid"
API_KEY_SID = "api-key-sid"
AUTH_TOKEN = "auth-token"
API_KEY_SECRET = "api-key-secret"
SENDGRID_API_KEY = "sendgrid-api-key"
KINDS = (ACCOUNT_SID, API_KEY_SID, AUTH_TOKEN, API_KEY_SECRET, SENDGRID_API_KEY)
SECRET_KINDS = frozenset({AUTH_TOKEN, API_KEY_SECRET})

KIND_RE: dict[str, re.Pattern[str]] = {
    ACCOUNT_SID: re.compile(r"AC[0-9a-f]{32}"),
    API_KEY_SID: re.compile(r"SK[0-9a-f]{32}"),
    AUTH_TOKEN: re.compile(r"[0-9a-f]{32}"),
    API_KEY_SECRET: re.compile(r"[A-Za-z0-9]{32}"),
    SENDGRID_API_KEY: re.compile(r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
}

# Anything in a corpus file that has one of these shapes must be either planted in that file or a
# registered decoy of that file (checked by ``Corpus.check``).
_SHAPED_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:AC|SK)[0-9a-f]{32}(?![A-Za-z0-9])"
    r"|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"
)

# Twilio resource SID prefixes that are identifiers, not credentials.
RESOURCE_PREFIXES = (
    "CA", "SM", "MM", "PN", "MG", "VA", "AP", "CF", "RE", "IS", "CH", "WS", "ZS", "QU", "TR",
    "VE", "FW", "IM", "RQ",
)  # fmt: skip


@dataclass(frozen=True)
class Planted:
    path: str  # relative posix path inside the corpus root
    secret: str  # the exact credential value planted
    kind: str  # one of KINDS
    fmt: str  # format name, e.g. "dotenv", "k8s-yaml", "terraform", "python-sdk"


@dataclass(frozen=True)
class Decoy:
    path: str
    value: str
    category: str  # "other-service-key", "checksum", "resource-sid", "placeholder", ...
    fmt: str


@dataclass(frozen=True)
class Credentials:
    account_sid: str
    auth_token: str
    api_key_sid: str
    api_key_secret: str
    sendgrid_api_key: str


def redact(value: str) -> str:
    """Never print a full secret: keep the first and last four characters."""
    if len(value) <= 10:
        return "*" * len(value)
    return f"{value[:4]}…{value[-4:]}"


# --------------------------------------------------------------------------------------------
# Random values
# --------------------------------------------------------------------------------------------


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _hex32(rng: random.Random) -> str:
    """32 lowercase hex with realistic entropy (never a run, pattern or all-digits value)."""
    while True:
        v = _rand(rng, HEX, 32)
        letters = sum(c.isalpha() for c in v)
        if 6 <= letters <= 26 and len(set(v)) >= 10 and max(Counter(v).values()) <= 6:
            return v


def _mixed(rng: random.Random, alphabet: str, n: int, minimum: int = 2) -> str:
    """Random string with at least `minimum` upper, lower and digit characters."""
    while True:
        v = _rand(rng, alphabet, n)
        if (
            sum(c.isupper() for c in v) >= minimum
            and sum(c.islower() for c in v) >= minimum
            and sum(c.isdigit() for c in v) >= minimum
        ):
            return v


def new_account_sid(rng: random.Random) -> str:
    return "AC" + _hex32(rng)


def new_api_key_sid(rng: random.Random) -> str:
    return "SK" + _hex32(rng)


def new_auth_token(rng: random.Random) -> str:
    return _hex32(rng)


def new_api_key_secret(rng: random.Random) -> str:
    return _mixed(rng, ALNUM, 32, minimum=4)


def new_sendgrid_key(rng: random.Random) -> str:
    return "SG." + _mixed(rng, B64URL, 22) + "." + _mixed(rng, B64URL, 43)


def make_credentials(rng: random.Random) -> Credentials:
    return Credentials(
        account_sid=new_account_sid(rng),
        auth_token=new_auth_token(rng),
        api_key_sid=new_api_key_sid(rng),
        api_key_secret=new_api_key_secret(rng),
        sendgrid_api_key=new_sendgrid_key(rng),
    )


# Placeholders, assembled at run time so that no credential-shaped literal is in this file.
def _placeholder_sids(prefix: str) -> list[str]:
    return [
        prefix + "x" * 32,
        prefix + "X" * 32,
        prefix + "0" * 32,
        prefix + "a" * 32,
        prefix + "b" * 32,
        prefix + "1" * 32,
        prefix + "f" * 32,
        prefix + HEX * 2,
        prefix + (HEX[1:] + HEX[0]) * 2,
        prefix + HEX[::-1] * 2,
    ]


def _placeholder_tokens() -> list[str]:
    return [
        "your_auth_token",
        "[AuthToken]",
        "<token>",
        "<your-auth-token>",
        "your_auth_token_here",
        "0" * 32,
        "x" * 32,
        "a" * 32,
        "f" * 32,
        HEX * 2,
        "*" * 32,
        "****",
        "changeme",
        "REPLACE_ME",
    ]


def _placeholder_secrets() -> list[str]:
    return [
        "your_api_secret",
        "<api-key-secret>",
        "[ApiKeySecret]",
        "x" * 32,
        "X" * 32,
        "*" * 32,
        string.ascii_lowercase + HEX[:6],
        "REPLACE_WITH_API_SECRET",
    ]


def _placeholder_sendgrid() -> list[str]:
    return [
        "SG." + "x" * 22 + "." + "x" * 43,
        "SG." + "X" * 22 + "." + "X" * 43,
        "SG." + "a" * 22 + "." + "a" * 43,
        "SG.your_sendgrid_api_key",
        "SG.****",
        "<sendgrid-api-key>",
    ]


_WORDS = [
    "acme",
    "notify",
    "billing",
    "orders",
    "ledger",
    "relay",
    "courier",
    "beacon",
    "harbor",
    "summit",
    "atlas",
    "nova",
    "orbit",
    "pulse",
    "vector",
    "falcon",
    "maple",
    "cedar",
    "quartz",
    "ember",
    "comet",
    "lumen",
    "delta",
    "sierra",
    "tango",
    "zephyr",
]
_FIRST = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "oscar",
    "peggy",
    "trent",
]
_SMS = [
    "Your verification code is {n}",
    "Your order #{n} has shipped",
    "Reminder: appointment tomorrow at 10:30",
    "Deploy finished on prod ({n})",
    "ALERT: disk usage 91% on db-{n}",
    "Thanks! Reply STOP to unsubscribe",
    "Your table for 2 is ready",
    "Driver is 5 minutes away",
]
_PROJECTS = [
    "notify-api", "sms-gateway", "otp-service", "billing-worker", "appointments", "alerts-bot",
    "crm-sync", "voice-ivr", "helpdesk", "pager-relay", "marketing-mailer", "auth-service",
    "delivery-tracker", "clinic-reminders", "survey-bot", "shop-backend", "platform-config",
    "mobile-app", "data-pipeline", "ops-tools", "dispatch", "loyalty", "onboarding", "webhooks",
]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Per-file builder
# --------------------------------------------------------------------------------------------


class _Gen:
    def __init__(self, root: pathlib.Path, seed: int) -> None:
        self.root = root
        self.seed = seed
        self.rng = random.Random(1_000_003 * seed + 424_242)
        self.used: set[str] = set()
        self.planted: list[Planted] = []
        self.decoys: list[Decoy] = []
        self.fmt_of: dict[str, str] = {}

    def claim(self, rel: str) -> str:
        rel = rel.lstrip("/")
        if rel not in self.used:
            self.used.add(rel)
            return rel
        for _ in range(50):
            cand = f"{self.rng.choice(_PROJECTS)}/{rel}"
            if cand not in self.used:
                self.used.add(cand)
                return cand
        n = 2
        while f"v{n}/{rel}" in self.used:
            n += 1
        self.used.add(f"v{n}/{rel}")
        return f"v{n}/{rel}"

    def write(self, f: _File, rel: str, text: str, encoding: str = "utf-8") -> None:
        rel = self.claim(rel)
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
        self.fmt_of[rel] = f.fmt
        for value, kind in f.planted.items():
            self.planted.append(Planted(rel, value, kind, f.fmt))
        for value, cat in f.decoys.items():
            if value not in f.planted:
                self.decoys.append(Decoy(rel, value, cat, f.fmt))


class _File:
    """Collects what a template plants and which decoys it places."""

    def __init__(self, gen: _Gen, fmt: str) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.fmt = fmt
        self.planted: dict[str, str] = {}
        self.decoys: dict[str, str] = {}

    # ---- credentials ------------------------------------------------------------------------
    def plant(self, value: str, kind: str) -> str:
        assert KIND_RE[kind].fullmatch(value), (kind, redact(value))
        self.planted.setdefault(value, kind)
        return value

    def sid(self) -> str:
        return self.plant(new_account_sid(self.rng), ACCOUNT_SID)

    def token(self) -> str:
        return self.plant(new_auth_token(self.rng), AUTH_TOKEN)

    def key_sid(self) -> str:
        return self.plant(new_api_key_sid(self.rng), API_KEY_SID)

    def key_secret(self) -> str:
        return self.plant(new_api_key_secret(self.rng), API_KEY_SECRET)

    def sendgrid(self) -> str:
        return self.plant(new_sendgrid_key(self.rng), SENDGRID_API_KEY)

    # ---- decoys -----------------------------------------------------------------------------
    def decoy(self, value: str, category: str) -> str:
        self.decoys.setdefault(value, category)
        return value

    def hex32(self, category: str = "other-service-key") -> str:
        return self.decoy(_hex32(self.rng), category)

    def md5(self) -> str:
        return self.hex32("checksum")

    def req_id(self) -> str:
        return self.hex32("request-id")

    def alnum32(self, category: str = "random-alnum") -> str:
        return self.decoy(_mixed(self.rng, ALNUM, 32, minimum=3), category)

    def rsid(self, prefix: str | None = None) -> str:
        prefix = prefix or self.pick(RESOURCE_PREFIXES)
        return self.decoy(prefix + _hex32(self.rng), "resource-sid")

    def sha1(self) -> str:
        return self.decoy(self.hexn(40), "git-sha")

    def sha256(self) -> str:
        return self.decoy(self.hexn(64), "sha256")

    def uuid(self) -> str:
        h = self.hexn(40)[:32]
        v = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{self.pick('89ab')}{h[17:20]}-{h[20:32]}"
        return self.decoy(v, "uuid")

    def ph_sid(self, prefix: str = "AC") -> str:
        return self.decoy(self.pick(_placeholder_sids(prefix)), "placeholder")

    def ph_token(self) -> str:
        return self.decoy(self.pick(_placeholder_tokens()), "placeholder")

    def ph_secret(self) -> str:
        return self.decoy(self.pick(_placeholder_secrets()), "placeholder")

    def ph_sendgrid(self) -> str:
        return self.decoy(self.pick(_placeholder_sendgrid()), "placeholder")

    def masked_sid(self, prefix: str = "AC") -> str:
        tail = self.hexn(4)
        v = self.pick(
            [prefix + "x" * 28 + tail, prefix + self.hexn(4) + "…" + tail, prefix + "*" * 28 + tail]
        )
        return self.decoy(v, "masked")

    def masked_token(self) -> str:
        v = self.pick(
            [
                self.hexn(4) + "*" * 24 + self.hexn(4),
                "*" * 28 + self.hexn(4),
                "********",
                "[REDACTED]",
            ]
        )
        return self.decoy(v, "masked")

    def ref(self, value: str) -> str:
        return self.decoy(value, "reference")

    def dsn(self) -> str:
        key = self.hex32("sentry-dsn")
        return f"https://{key}@o{self.digits(6)}.ingest.sentry.io/{self.digits(7)}"

    # ---- noise (never credential-shaped) ----------------------------------------------------
    def hexn(self, n: int) -> str:
        assert n != 32, "32-hex values must be registered as decoys"
        return _rand(self.rng, HEX, n)

    def alnum(self, n: int) -> str:
        assert n != 32, "32-char values must be registered as decoys"
        return _rand(self.rng, ALNUM, n)

    def upper(self, n: int) -> str:
        return _rand(self.rng, UPPER_ALNUM, n)

    def digits(self, n: int) -> str:
        return str(self.rng.randint(1, 9)) + _rand(self.rng, string.digits, n - 1)

    def b64(self, n: int) -> str:
        return _rand(self.rng, B64, n)

    def pick(self, seq: Sequence[str]) -> str:
        return seq[self.rng.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def word(self) -> str:
        return self.pick(_WORDS)

    def project(self) -> str:
        return self.pick(_PROJECTS)

    def phone(self) -> str:
        return f"+1{self.rng.randint(201, 989)}{self.rng.randint(2000000, 9999999)}"

    def email(self) -> str:
        return f"{self.pick(_FIRST)}.{self.word()}@example.com"

    def sms(self) -> str:
        return self.pick(_SMS).format(n=self.rng.randint(100000, 999999))

    def ts(self) -> str:
        r = self.rng
        return (
            f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:"
            f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z"
        )

    def rfc2822(self) -> str:
        r = self.rng
        day = self.pick(["Mon", "Tue", "Wed", "Thu", "Fri"])
        mon = self.pick(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct"])
        return (
            f"{day}, {r.randint(1, 28):02d} {mon} 2024 {r.randint(0, 23):02d}:"
            f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d} +0000"
        )

    def ip(self) -> str:
        r = self.rng
        return f"{r.randint(3, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def version(self) -> str:
        r = self.rng
        return f"{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 20)}"


def _t(template: str, **values: object) -> str:
    """Dedent `template` and substitute ``@@name@@`` markers."""
    text = textwrap.dedent(template).lstrip("\n")
    for key, val in values.items():
        text = text.replace(f"@@{key}@@", str(val))
    left = re.search(r"@@\w+@@", text)
    assert left is None, f"unfilled marker {left.group(0) if left else ''}"
    return text


# --------------------------------------------------------------------------------------------
# Shared snippets: names, noise, other services' keys
# --------------------------------------------------------------------------------------------

_SID_ENV = ("TWILIO_ACCOUNT_SID", "TWILIO_ACCOUNT_SID", "TWILIO_SID", "TWILIO_ACCOUNT_ID")
_TOKEN_ENV = ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN", "TWILIO_TOKEN", "TWILIO_AUTHTOKEN")
_KEY_ENV = ("TWILIO_API_KEY", "TWILIO_API_KEY_SID", "TWILIO_API_KEY")
_SECRET_ENV = ("TWILIO_API_SECRET", "TWILIO_API_KEY_SECRET", "TWILIO_API_SECRET")
_SG_ENV = ("SENDGRID_API_KEY", "SENDGRID_API_KEY", "SENDGRID_KEY", "SG_API_KEY")
_ENV_PREFIX = ("", "", "", "", "REACT_APP_", "NEXT_PUBLIC_", "VITE_", "NOTIFY_", "APP_")


def _case(snake: str, style: str) -> str:
    parts = snake.split("_")
    if style == "camel":
        return parts[0] + "".join(p.capitalize() for p in parts[1:])
    if style == "pascal":
        return "".join(p.capitalize() for p in parts)
    if style == "kebab":
        return "-".join(parts)
    if style == "upper":
        return snake.upper()
    return snake


def _env_noise(f: _File, k: int) -> list[str]:
    """Ordinary environment settings, some Twilio-flavoured but not secret."""
    pool: list[Callable[[], str]] = [
        lambda: f"NODE_ENV={f.pick(['production', 'staging', 'development'])}",
        lambda: f"PORT={f.pick(['3000', '8080', '5000', '8000'])}",
        lambda: f"LOG_LEVEL={f.pick(['info', 'debug', 'warn'])}",
        lambda: f"DATABASE_URL=postgres://{f.word()}:{f.alnum(18)}@db.internal:5432/{f.word()}",
        lambda: f"REDIS_URL=redis://cache.internal:6379/{f.rng.randint(0, 9)}",
        lambda: f"AWS_REGION={f.pick(['us-east-1', 'eu-west-1', 'us-west-2'])}",
        lambda: f"S3_BUCKET={f.word()}-uploads-{f.pick(['prod', 'stg'])}",
        lambda: f"APP_URL=https://{f.word()}.example.com",
        lambda: "MAIL_FROM=no-reply@example.com",
        lambda: f"FEATURE_SMS_FALLBACK={f.pick(['true', 'false'])}",
        lambda: f"RATE_LIMIT_PER_MINUTE={f.rng.randint(30, 600)}",
        lambda: "TZ=UTC",
        lambda: f"WEB_CONCURRENCY={f.rng.randint(2, 8)}",
        lambda: f"OTP_TTL_SECONDS={f.pick(['300', '600', '120'])}",
        lambda: "DEFAULT_COUNTRY_CODE=US",
        lambda: f"TWILIO_PHONE_NUMBER={f.phone()}",
        lambda: f"TWILIO_STATUS_CALLBACK_URL=https://{f.word()}.example.com/twilio/status",
        lambda: f"TWILIO_MESSAGING_SERVICE_SID={f.rsid('MG')}",
        lambda: f"TWILIO_VERIFY_SERVICE_SID={f.rsid('VA')}",
        lambda: f"TWILIO_REGION={f.pick(['us1', 'ie1', 'au1'])}",
        lambda: f"BUILD_SHA={f.sha1()}",
    ]
    return [fn() for fn in f.rng.sample(pool, min(k, len(pool)))]


def _other_env(f: _File, k: int) -> list[tuple[str, str]]:
    """Other services' keys: same shapes as Twilio secrets, different owners."""
    o = "other-service-key"
    pool: list[Callable[[], tuple[str, str]]] = [
        lambda: ("DD_API_KEY", f.hex32(o)),
        lambda: ("DATADOG_API_KEY", f.hex32(o)),
        lambda: ("SENTRY_DSN", f.dsn()),
        lambda: ("MAILGUN_API_KEY", f.pick(["key-", ""]) + f.hex32(o)),
        lambda: ("PLIVO_AUTH_TOKEN", f.hex32(o)),
        lambda: ("NEXMO_API_SECRET", f.hex32(o)),
        lambda: ("GITHUB_TOKEN", "ghp_" + f.alnum(36) if f.chance(0.5) else f.hex32(o)),
        lambda: ("SESSION_SECRET", f.alnum32()),
        lambda: ("APP_KEY", f.alnum32()),
        lambda: ("JWT_SECRET", f.alnum32()),
        lambda: ("OAUTH_CLIENT_ID", f.alnum32()),
        lambda: ("ALGOLIA_API_KEY", f.hex32(o)),
        lambda: ("MIXPANEL_TOKEN", f.hex32(o)),
        lambda: ("ROLLBAR_ACCESS_TOKEN", f.hex32(o)),
        lambda: ("BUGSNAG_API_KEY", f.hex32(o)),
        lambda: ("SEGMENT_WRITE_KEY", f.alnum32()),
        lambda: ("SINCH_SERVICE_PLAN_ID", f.hex32(o)),
        lambda: ("ENCRYPTION_KEY", f.hex32("random-hex")),
        lambda: ("CACHE_KEY_SALT", f.hex32("random-hex")),
        lambda: ("MAILCHIMP_API_KEY", f.hex32(o) + "-us14"),
        lambda: ("OPENWEATHER_API_KEY", f.hex32(o)),
        lambda: ("ASSETS_MANIFEST_MD5", f.md5()),
    ]
    return [fn() for fn in f.rng.sample(pool, min(k, len(pool)))]


_Section = tuple[str, list[tuple[str, str]]]


def _other_sections(f: _File, k: int) -> list[_Section]:
    """Nested config sections of other services (never an `auth_token` key: see report)."""
    o = "other-service-key"
    pool: list[Callable[[], _Section]] = [
        lambda: ("datadog", [("api_key", f.hex32(o)), ("site", "datadoghq.com")]),
        lambda: ("sentry", [("dsn", f.dsn()), ("traces_sample_rate", "0.2")]),
        lambda: ("mailgun", [("domain", "mg.example.com"), ("api_key", f.hex32(o))]),
        lambda: ("mixpanel", [("token", f.hex32(o))]),
        lambda: ("algolia", [("app_id", f.upper(10)), ("api_key", f.hex32(o))]),
        lambda: ("session", [("secret", f.alnum32()), ("max_age", "86400")]),
        lambda: ("assets", [("checksum", f.md5()), ("etag", f.hex32("checksum"))]),
        lambda: ("build", [("sha", f.sha1()), ("md5", f.md5())]),
        lambda: ("github", [("org", f.word()), ("token", "ghp_" + f.alnum(36))]),
        lambda: ("segment", [("write_key", f.alnum32())]),
        lambda: ("rollbar", [("access_token", f.hex32(o)), ("environment", "production")]),
        lambda: ("oauth", [("client_id", f.alnum32()), ("client_secret", f.alnum(40))]),
        lambda: ("cache", [("namespace", f.word()), ("request_id_salt", f.hex32("random-hex"))]),
    ]
    return [fn() for fn in f.rng.sample(pool, min(k, len(pool)))]


def _yaml_sections(
    sections: Sequence[_Section], style: str = "snake", indent: int = 0
) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for name, items in sections:
        out.append(f"{pad}{_case(name, style)}:")
        for key, val in items:
            out.append(f"{pad}  {_case(key, style)}: {json.dumps(val)}")
    return out


def _k8s_env(items: Sequence[tuple[str, str]], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for name, value in items:
        out.append(f"{pad}- name: {name}")
        out.append(f"{pad}  value: {json.dumps(value)}")
    return out


def _k8s_env_ref(name: str, secret: str, key: str, indent: int) -> list[str]:
    pad = " " * indent
    return [
        f"{pad}- name: {name}",
        f"{pad}  valueFrom:",
        f"{pad}    secretKeyRef:",
        f"{pad}      name: {secret}",
        f"{pad}      key: {key}",
    ]


def _form(params: Sequence[tuple[str, str]]) -> str:
    return urllib.parse.urlencode(list(params))


def _sms_webhook(f: _File, account: str) -> list[tuple[str, str]]:
    sm = f.rsid("SM")
    return [
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("SmsMessageSid", sm),
        ("NumMedia", "0"),
        ("ToCity", f.pick(["SAN FRANCISCO", "OAKLAND", ""])),
        ("FromZip", f.pick(["94107", "10001", ""])),
        ("SmsSid", sm),
        ("FromState", f.pick(["CA", "NY", "TX"])),
        ("SmsStatus", "received"),
        ("FromCity", ""),
        ("Body", f.pick(["STOP", "Yes", "Y", "Cancel my appointment", "help", "What time?"])),
        ("FromCountry", "US"),
        ("To", f.phone()),
        ("MessagingServiceSid", f.rsid("MG")),
        ("ToZip", ""),
        ("NumSegments", "1"),
        ("MessageSid", sm),
        ("AccountSid", account),
        ("From", f.phone()),
        ("ApiVersion", "2010-04-01"),
    ]


def _status_callback(f: _File, account: str) -> list[tuple[str, str]]:
    sm = f.rsid("SM")
    return [
        ("SmsSid", sm),
        ("SmsStatus", f.pick(["sent", "delivered", "undelivered", "failed"])),
        ("MessageStatus", f.pick(["sent", "delivered", "undelivered", "failed"])),
        ("To", f.phone()),
        ("MessagingServiceSid", f.rsid("MG")),
        ("MessageSid", sm),
        ("AccountSid", account),
        ("From", f.phone()),
        ("ApiVersion", "2010-04-01"),
    ]


def _voice_webhook(f: _File, account: str) -> list[tuple[str, str]]:
    return [
        ("Called", f.phone()),
        ("ToState", "CA"),
        ("CallerCountry", "US"),
        ("Direction", "inbound"),
        ("CallerState", "NY"),
        ("ToZip", ""),
        ("CallSid", f.rsid("CA")),
        ("To", f.phone()),
        ("CallerZip", ""),
        ("ToCountry", "US"),
        ("CallToken", "%7B%22parentCallInfoToken%22%3A%22eyJhbGciOiJFUzI1NiJ9" + f.alnum(40)),
        ("ApiVersion", "2010-04-01"),
        ("CalledZip", ""),
        ("CallStatus", f.pick(["ringing", "in-progress", "completed"])),
        ("From", f.phone()),
        ("AccountSid", account),
        ("CalledCountry", "US"),
        ("ApplicationSid", f.rsid("AP")),
    ]


def _message_json(f: _File, account: str, status: str = "queued") -> dict[str, object]:
    sm = f.rsid("SM")
    date = f.rfc2822()
    return {
        "account_sid": account,
        "api_version": "2010-04-01",
        "body": f.sms(),
        "date_created": date,
        "date_sent": None if status == "queued" else date,
        "date_updated": date,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": f.phone(),
        "messaging_service_sid": f.rsid("MG"),
        "num_media": "0",
        "num_segments": "1",
        "price": None if status == "queued" else "-0.00790",
        "price_unit": "USD",
        "sid": sm,
        "status": status,
        "subresource_uris": {
            "media": f"/2010-04-01/Accounts/{account}/Messages/{sm}/Media.json",
        },
        "to": f.phone(),
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sm}.json",
    }


_Template = Callable[[_File, int], tuple[str, str]]
_FORMATS: list[tuple[str, int, _Template]] = []


def _fmt(name: str, files: int) -> Callable[[_Template], _Template]:
    def register(fn: _Template) -> _Template:
        _FORMATS.append((name, files, fn))
        return fn

    return register


# ============================================================================================
# Credential-bearing formats
# ============================================================================================


@_fmt("dotenv", 6)
def _dotenv(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    path = [
        f"{proj}/.env",
        f"{proj}/.env.production",
        f"{proj}/.env.local",
        f"{proj}/config/.env.staging",
        f"{proj}/docker/app.env",
        f"{proj}/.env",
    ][v]
    q = f.pick(["", "", '"', "'"])
    export = "export " if v == 2 else ""
    prefix = f.pick(_ENV_PREFIX) if v in (1, 3) else ""
    header = [f"# {proj} - {f.pick(['production', 'staging', 'local development'])} settings"]
    blocks: list[list[str]] = [_env_noise(f, f.rng.randint(4, 8))]
    tw = ["# Twilio" + f.pick(["", " (SMS + Verify)", " - rotate quarterly, see RUNBOOK.md"])]
    if v == 5:
        # Signature validation only needs the token: no SID in the file.
        tw.append(f"{export}{prefix}TWILIO_AUTH_TOKEN={q}{f.token()}{q}")
    else:
        tw.append(f"{export}{prefix}{f.pick(_SID_ENV)}={q}{f.sid()}{q}")
        tw.append(f"{export}{prefix}{f.pick(_TOKEN_ENV)}={q}{f.token()}{q}")
    if v in (0, 4):
        tw.append(f"{export}{prefix}TWILIO_SECONDARY_AUTH_TOKEN={q}{f.token()}{q}")
    if v in (1, 3):
        tw.append(f"{export}{prefix}{f.pick(_KEY_ENV)}={q}{f.key_sid()}{q}")
        tw.append(f"{export}{prefix}{f.pick(_SECRET_ENV)}={q}{f.key_secret()}{q}")
    tw.append(f"# {f.pick(_TOKEN_ENV)}={f.ph_token()}")
    tw.append(f"{export}TWILIO_MESSAGING_SERVICE_SID={f.rsid('MG')}")
    blocks.append(tw)
    if v in (0, 4):
        blocks.append(["# Email", f"{export}{f.pick(_SG_ENV)}={q}{f.sendgrid()}{q}"])
    if v == 2:
        blocks.append(
            [
                "MAIL_MAILER=smtp",
                "MAIL_HOST=smtp.sendgrid.net",
                "MAIL_PORT=587",
                "MAIL_USERNAME=apikey",
                f"{export}MAIL_PASSWORD={q}{f.sendgrid()}{q}",
            ]
        )
    others = [f"{export}{k}={q}{val}{q}" for k, val in _other_env(f, f.rng.randint(4, 7))]
    blocks.append(["# Third-party services", *others])
    f.rng.shuffle(blocks)
    return path, "\n\n".join("\n".join(b) for b in [header, *blocks]) + "\n"


@_fmt("dotenv-serverless", 3)
def _dotenv_serverless(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    lines = [
        "# This file is used by twilio-run (Twilio Serverless Toolkit).",
        "# Variables here are available in Functions as context.VARIABLE_NAME",
        f"ACCOUNT_SID={f.sid()}",
        f"AUTH_TOKEN={f.token()}",
        "",
        f"MY_PHONE_NUMBER={f.phone()}",
        f"VERIFY_SERVICE_SID={f.rsid('VA')}",
        f"SYNC_SERVICE_SID={f.rsid('IS')}",
    ]
    if v == 1:
        lines += ["", f"SENDGRID_API_KEY={f.sendgrid()}", f"FROM_EMAIL={f.email()}"]
    if v == 2:
        lines += [f"TWILIO_API_KEY={f.key_sid()}", f"TWILIO_API_SECRET={f.key_secret()}"]
    lines += [
        "",
        f"# checksum of the deployed assets manifest: {f.md5()}",
        f"DEBUG={f.pick(['true', 'false'])}",
    ]
    return f"functions/{proj}/.env", "\n".join(lines) + "\n"


@_fmt("yaml-config", 5)
def _yaml_config(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 4:
        body = [
            "webhooks:",
            "  base_url: https://hooks.example.com",
            "  twilio:",
            "    validate_signature: true",
            f'    auth_token: "{f.token()}"',
            "  stripe:",
            f"    signing_secret: whsec_{f.alnum(24)}",
            "  github:",
            f"    secret: {f.alnum32()}",
            *_yaml_sections(_other_sections(f, 2)),
        ]
        return f"{proj}/config/webhooks.yaml", "\n".join(body) + "\n"
    if v == 0:
        tw = [
            "twilio:",
            f"  account_sid: {f.sid()}",
            f"  {f.pick(['auth_token', 'token'])}: {f.token()}",
            f"  secondary_auth_token: {f.token()}",
            f'  from_number: "{f.phone()}"',
            f"  messaging_service_sid: {f.rsid('MG')}",
            f"  status_callback: https://{proj}.example.com/twilio/status",
        ]
        head = [
            "app:",
            f"  name: {proj}",
            f"  port: {f.pick(['8080', '3000'])}",
            "  log_level: info",
            "database:",
            f"  url: postgres://{proj}:{f.alnum(20)}@db:5432/{proj.replace('-', '_')}",
            "  pool_size: 10",
        ]
        body = head + tw + _yaml_sections(_other_sections(f, 4))
        return f"{proj}/config/settings.yaml", "\n".join(body) + "\n"
    if v == 1:
        text = _t(
            """
            # Rails secrets (decrypted copy for local debugging - DO NOT COMMIT)
            default: &default
              secret_key_base: @@skb@@

            development:
              <<: *default
              twilio:
                sid: @@sid@@
                token: @@tok@@
                number: "@@phone@@"

            production:
              <<: *default
              mixpanel:
                token: @@mix@@
              sendgrid:
                api_key: @@sg@@
              aws:
                access_key_id: AKIA@@akid@@
                etag_salt: @@salt@@
            """,
            skb=f.hexn(128),
            sid=f.sid(),
            tok=f.token(),
            phone=f.phone(),
            mix=f.hex32(),
            sg=f.sendgrid(),
            akid=f.upper(16),
            salt=f.hex32("random-hex"),
        )
        return f"{proj}/config/secrets.yml", text
    if v == 2:
        text = _t(
            """
            service: @@proj@@
            frameworkVersion: '3'

            provider:
              name: aws
              runtime: nodejs18.x
              region: us-east-1
              environment:
                TWILIO_ACCOUNT_SID: @@sid@@
                TWILIO_AUTH_TOKEN: '@@tok@@'
                DD_API_KEY: ${ssm:/datadog/api_key}
                TWILIO_API_KEY: ${ssm:/twilio/api_key}
                DATADOG_SITE: datadoghq.com
                DEPLOY_MD5: '@@md5@@'

            functions:
              inbound:
                handler: src/inbound.handler
                events:
                  - httpApi:
                      path: /sms/inbound
                      method: post
            """,
            proj=proj,
            sid=f.sid(),
            tok=f.token(),
            md5=f.md5(),
        )
        f.ref("${ssm:/datadog/api_key}")
        return f"{proj}/serverless.yml", text
    sections = _other_sections(f, 3)
    body = [
        "# notification channels",
        "channels:",
        "  sms:",
        "    enabled: true",
        "    provider: twilio",
        "twilio:",
        f"  account_sid: {f.sid()}",
        f"  api_key: {f.key_sid()}",
        f"  api_secret: {f.key_secret()}",
        f"  verify_service_sid: {f.rsid('VA')}",
        "email:",
        "  provider: sendgrid",
        f"  sendgrid_api_key: {f.sendgrid()}",
        *_yaml_sections(sections),
    ]
    return f"{proj}/config/notifications.yml", "\n".join(body) + "\n"


@_fmt("docker-compose", 3)
def _docker_compose(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        env = [
            f"      - {f.pick(_SID_ENV)}={f.sid()}",
            f"      - {f.pick(_TOKEN_ENV)}={f.token()}",
            f"      - DD_API_KEY={f.hex32()}",
            f"      - SENDGRID_API_KEY={f.sendgrid()}",
            "      - LOG_LEVEL=debug",
        ]
    elif v == 1:
        env = [
            f"      TWILIO_ACCOUNT_SID: {f.sid()}",
            f"      TWILIO_API_KEY: {f.key_sid()}",
            f'      TWILIO_API_SECRET: "{f.key_secret()}"',
            f"      SESSION_SECRET: {f.alnum32()}",
            "      LOG_LEVEL: info",
        ]
    else:
        env = [
            f'      TWILIO_AUTH_TOKEN: "{f.token()}"',
            f'      TWILIO_ACCOUNT_SID: "{f.sid()}"',
            f'      SENDGRID_API_KEY: "{f.sendgrid()}"',
            f'      PLIVO_AUTH_TOKEN: "{f.hex32()}"',
        ]
    text = _t(
        """
        version: "3.9"

        services:
          api:
            image: ghcr.io/acme/@@proj@@:@@ver@@
            build:
              context: .
              args:
                GIT_SHA: @@sha@@
            ports:
              - "8080:8080"
            depends_on: [db, redis]
            environment:
        @@env@@
          worker:
            image: ghcr.io/acme/@@proj@@-worker@sha256:@@digest@@
            command: ["python", "-m", "worker"]
            env_file: .env
          db:
            image: postgres:15
            environment:
              POSTGRES_PASSWORD: @@pgpw@@
              POSTGRES_DB: app
          redis:
            image: redis:7-alpine
          datadog:
            image: gcr.io/datadoghq/agent:7
            environment:
              - DD_API_KEY=@@dd@@
              - DD_SITE=datadoghq.eu
        """,
        proj=proj,
        ver=f.version(),
        sha=f.sha1(),
        env="\n".join(env),
        digest=f.sha256(),
        pgpw=f.alnum(16),
        dd=f.hex32(),
    )
    return (
        f"{proj}/{f.pick(['docker-compose.yml', 'docker-compose.override.yml', 'compose.yaml'])}",
        text,
    )


@_fmt("github-actions", 3)
def _github_actions(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 1:
        text = _t(
            """
            name: SMS on release

            on:
              release:
                types: [published]

            jobs:
              notify:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@@@co@@ # v4
                  - name: 'Sending SMS Notification'
                    uses: twilio-labs/actions-sms@v1
                    with:
                      fromPhoneNumber: '@@from@@'
                      toPhoneNumber: ${{ secrets.ONCALL_PHONE }}
                      message: 'Released ${{ github.event.release.tag_name }}'
                    env:
                      TWILIO_ACCOUNT_SID: @@sid@@
                      TWILIO_API_KEY: @@key@@
                      TWILIO_API_SECRET: @@secret@@
                  - name: Upload to Datadog
                    env:
                      DATADOG_API_KEY: ${{ secrets.DATADOG_API_KEY }}
                    run: npx @datadog/datadog-ci sourcemaps upload ./dist --release-version ${{ github.sha }}
            """,
            co=f.sha1(),
            **{"from": f.phone()},
            sid=f.sid(),
            key=f.key_sid(),
            secret=f.key_secret(),
        )
        f.ref("${{ secrets.DATADOG_API_KEY }}")
        return f"{proj}/.github/workflows/release-sms.yml", text
    tok_literal = f.token()
    text = _t(
        """
        name: CI

        on:
          push:
            branches: [main]
          pull_request:

        env:
          PYTHON_VERSION: "3.11"
          @@sidname@@: @@sid@@
          TWILIO_AUTH_TOKEN: @@tok@@
          TWILIO_API_SECRET: ${{ secrets.TWILIO_API_SECRET }}

        jobs:
          test:
            runs-on: ubuntu-latest
            services:
              postgres:
                image: postgres:15
                env:
                  POSTGRES_PASSWORD: postgres
            steps:
              - uses: actions/checkout@@@co@@
              - uses: actions/setup-python@@@sp@@
                with:
                  python-version: ${{ env.PYTHON_VERSION }}
                  cache: pip
              - run: pip install -r requirements.txt
              - run: pytest -q
                env:
                  DD_API_KEY: @@dd@@
                  CACHE_CHECKSUM: @@md5@@
              - name: Notify on failure
                if: failure()
                run: |
                  curl -s -X POST "https://api.twilio.com/2010-04-01/Accounts/$@@sidname@@/Messages.json" \\
                    --data-urlencode "To=${{ secrets.ONCALL_PHONE }}" \\
                    --data-urlencode "From=@@from@@" \\
                    --data-urlencode "Body=CI failed on ${{ github.ref_name }}" \\
                    -u "$@@sidname@@:$TWILIO_AUTH_TOKEN"
        """,
        sidname=f.pick(["TWILIO_ACCOUNT_SID", "TWILIO_SID"]),
        sid=f.sid(),
        tok=tok_literal,
        co=f.sha1(),
        sp=f.sha1(),
        dd=f.hex32(),
        md5=f.md5(),
        **{"from": f.phone()},
    )
    f.ref("${{ secrets.TWILIO_API_SECRET }}")
    return f"{proj}/.github/workflows/{f.pick(['ci.yml', 'test.yml', 'main.yml'])}", text


@_fmt("k8s-yaml", 4)
def _k8s(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    ns = f.pick(["default", "prod", "messaging", "notifications"])
    if v == 0:
        items = [
            (f.pick(_SID_ENV), f.sid()),
            (f.pick(_TOKEN_ENV), f.token()),
            ("DATADOG_API_KEY", f.hex32()),
            ("SESSION_SECRET", f.alnum32()),
        ]
        f.rng.shuffle(items)
        body = "\n".join(f'  {k}: "{val}"' for k, val in items)
        text = _t(
            """
            apiVersion: v1
            kind: Secret
            metadata:
              name: @@proj@@-secrets
              namespace: @@ns@@
              labels:
                app.kubernetes.io/name: @@proj@@
              annotations:
                checksum/values: @@chk@@
            type: Opaque
            data:
              POSTGRES_PASSWORD: @@b64@@
            stringData:
            @@body@@
            """,
            proj=proj,
            ns=ns,
            chk=f.sha256(),
            b64=f.b64(24) + "==",
            body=body,
        )
        return f"deploy/k8s/{proj}/secret.yaml", text
    if v == 1:
        text = _t(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: @@proj@@-config
              namespace: @@ns@@
            data:
              LOG_LEVEL: info
              TWILIO_ACCOUNT_SID: @@sid@@
              TWILIO_API_KEY: @@key@@
              TWILIO_API_SECRET: "@@secret@@"
              TWILIO_MESSAGING_SERVICE_SID: @@mg@@
              SENTRY_DSN: "@@dsn@@"
              ASSET_MANIFEST_ETAG: "@@etag@@"
            """,
            proj=proj,
            ns=ns,
            sid=f.sid(),
            key=f.key_sid(),
            secret=f.key_secret(),
            mg=f.rsid("MG"),
            dsn=f.dsn(),
            etag=f.hex32("checksum"),
        )
        return f"deploy/k8s/{proj}/configmap.yaml", text
    env = _k8s_env(
        [
            ("TWILIO_ACCOUNT_SID", f.sid()),
            ("TWILIO_AUTH_TOKEN", f.token()),
            ("MIXPANEL_TOKEN", f.hex32()),
            ("REQUEST_ID_HEADER", "X-Request-Id"),
        ],
        12,
    )
    env += _k8s_env_ref("SENDGRID_API_KEY", f"{proj}-secrets", "sendgrid-api-key", 12)
    env += _k8s_env_ref("TWILIO_API_SECRET", f"{proj}-secrets", "twilio-api-secret", 12)
    if v == 3:
        env += _k8s_env([("SENDGRID_FALLBACK_KEY", f.sendgrid())], 12)
    text = _t(
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: @@proj@@
          namespace: @@ns@@
        spec:
          replicas: 3
          selector:
            matchLabels:
              app: @@proj@@
          template:
            metadata:
              labels:
                app: @@proj@@
              annotations:
                checksum/config: @@chk@@
            spec:
              containers:
                - name: app
                  image: registry.example.com/@@proj@@@sha256:@@digest@@
                  ports:
                    - containerPort: 8080
                  env:
        @@env@@
                  resources:
                    limits:
                      memory: 512Mi
        """,
        proj=proj,
        ns=ns,
        chk=f.sha256(),
        digest=f.sha256(),
        env="\n".join(env),
    )
    return f"deploy/k8s/{proj}/deployment.yaml", text


@_fmt("helm-values", 3)
def _helm(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 2:
        tw = [
            "env:",
            *_k8s_env(
                [
                    ("NODE_ENV", "production"),
                    ("TWILIO_ACCOUNT_SID", f.sid()),
                    ("TWILIO_AUTH_TOKEN", f.token()),
                    ("DD_API_KEY", f.hex32()),
                ],
                2,
            ),
        ]
    else:
        tw = [
            "twilio:",
            f"  accountSid: {f.sid()}",
            f'  authToken: "{f.token()}"' if v == 0 else f"  apiKey: {f.key_sid()}",
            f"  messagingServiceSid: {f.rsid('MG')}",
        ]
        if v == 1:
            tw.insert(3, f"  apiSecret: {f.key_secret()}")
            tw += ["sendgrid:", f"  apiKey: {f.sendgrid()}"]
    text = _t(
        """
        # Default values for @@proj@@.
        replicaCount: 2

        image:
          repository: ghcr.io/acme/@@proj@@
          tag: "@@ver@@"
          digest: sha256:@@digest@@
          pullPolicy: IfNotPresent

        podAnnotations:
          checksum/secrets: @@chk@@

        service:
          type: ClusterIP
          port: 80

        @@tw@@

        @@others@@

        resources:
          limits:
            cpu: 500m
            memory: 256Mi
        """,
        proj=proj,
        ver=f.version(),
        digest=f.sha256(),
        chk=f.sha256(),
        tw="\n".join(tw),
        others="\n".join(_yaml_sections(_other_sections(f, 3), style="camel")),
    )
    return f"charts/{proj}/values{f.pick(['', '-prod', '-staging'])}.yaml", text


@_fmt("terraform", 4)
def _terraform(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v in (0, 2):
        user, pw = (f.sid(), f.token()) if v == 0 else (f.key_sid(), f.key_secret())
        extra = "" if v == 0 else f'  account_sid = "{f.sid()}"\n'
        text = _t(
            """
            terraform {
              required_providers {
                twilio = {
                  source  = "twilio/twilio"
                  version = ">= 0.18.0"
                }
                datadog = {
                  source = "DataDog/datadog"
                }
              }
            }

            provider "twilio" {
              username = "@@user@@"
              password = "@@pw@@"
            @@extra@@}

            provider "datadog" {
              api_key = "@@dd@@"
              app_key = "@@ddapp@@"
            }

            resource "twilio_api_accounts_keys" "ci" {
              friendly_name = "ci-deploy"
            }

            resource "twilio_messaging_services_v1" "alerts" {
              friendly_name = "@@proj@@-alerts"
              status_callback = "https://@@proj@@.example.com/twilio/status"
            }
            """,
            user=user,
            pw=pw,
            extra=extra,
            dd=f.hex32(),
            ddapp=f.hexn(40),
            proj=proj,
        )
        return f"infra/{proj}/main.tf", text
    if v == 1:
        text = _t(
            """
            variable "twilio_account_sid" {
              type        = string
              description = "Twilio account used by the notifier"
              default     = "@@sid@@"
            }

            variable "twilio_auth_token" {
              type      = string
              sensitive = true
              default   = "@@tok@@"
            }

            variable "datadog_api_key" {
              type    = string
              default = "@@dd@@"
            }

            variable "sendgrid_api_key" {
              type      = string
              sensitive = true
              default   = "@@sg@@"
            }

            variable "lambda_package_md5" {
              type    = string
              default = "@@md5@@"
            }

            provider "twilio" {
              username = var.twilio_account_sid
              password = var.twilio_auth_token
            }
            """,
            sid=f.sid(),
            tok=f.token(),
            dd=f.hex32(),
            sg=f.sendgrid(),
            md5=f.md5(),
        )
        return f"infra/{proj}/variables.tf", text
    text = _t(
        """
        data "aws_secretsmanager_secret_version" "twilio" {
          secret_id = "prod/@@proj@@/twilio"
        }

        resource "aws_lambda_function" "sms_sender" {
          function_name    = "@@proj@@-sms-sender"
          filename         = "build/sms_sender.zip"
          source_code_hash = filebase64sha256("build/sms_sender.zip")
          handler          = "handler.main"
          runtime          = "python3.11"

          environment {
            variables = {
              TWILIO_ACCOUNT_SID = "@@sid@@"
              TWILIO_AUTH_TOKEN  = "@@tok@@"
              TWILIO_API_SECRET  = jsondecode(data.aws_secretsmanager_secret_version.twilio.secret_string)["api_secret"]
              SENTRY_DSN         = "@@dsn@@"
              BUILD_ETAG         = "@@etag@@"
            }
          }
        }

        resource "aws_s3_object" "template" {
          bucket = "@@proj@@-templates"
          key    = "sms/welcome.txt"
          etag   = "@@etag2@@"
        }
        """,
        proj=proj,
        sid=f.sid(),
        tok=f.token(),
        dsn=f.dsn(),
        etag=f.hex32("checksum"),
        etag2=f.hex32("checksum"),
    )
    f.ref("data.aws_secretsmanager_secret_version.twilio.secret_string")
    return f"infra/{proj}/lambda.tf", text


@_fmt("tfvars", 3)
def _tfvars(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    lines = [
        f'environment = "{f.pick(["prod", "staging"])}"',
        'region      = "us-east-1"',
        f'app_name    = "{proj}"',
        "",
        f'twilio_account_sid = "{f.sid()}"',
    ]
    if v == 1:
        lines += [f'twilio_api_key    = "{f.key_sid()}"', f'twilio_api_secret = "{f.key_secret()}"']
    else:
        lines.append(f'twilio_auth_token  = "{f.token()}"')
    if v == 2:
        lines.append(f'sendgrid_api_key   = "{f.sendgrid()}"')
    lines += [
        "",
        f'datadog_api_key    = "{f.hex32()}"',
        f'artifact_md5       = "{f.md5()}"',
        f'ami_id             = "ami-{f.hexn(17)}"',
        f'vpc_id             = "vpc-{f.hexn(17)}"',
        f'image_digest       = "sha256:{f.sha256()}"',
    ]
    return (
        f"infra/{proj}/{f.pick(['terraform.tfvars', 'prod.auto.tfvars', 'secrets.tfvars'])}",
        "\n".join(lines) + "\n",
    )


@_fmt("json-config", 6)
def _json_config(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 5:
        data0 = {
            "webhooks": {
                "twilio": {"authToken": f.token(), "path": "/twilio/inbound"},
                "shopify": {"secret": f.hex32("other-service-key")},
            },
            "requestIdHeader": "X-Request-Id",
            "lastRequestId": f.req_id(),
        }
        return f"{proj}/config/webhooks.json", json.dumps(data0, indent=2) + "\n"
    if v == 0:
        data: dict[str, object] = {
            "server": {"port": 8080, "trustProxy": True},
            "twilio": {
                "accountSid": f.sid(),
                "authToken": f.token(),
                "secondaryAuthToken": f.token(),
                "from": f.phone(),
                "messagingServiceSid": f.rsid("MG"),
            },
            "sendgrid": {"apiKey": f.sendgrid(), "templateId": "d-" + f.hexn(30)},
            "datadog": {"apiKey": f.hex32(), "site": "datadoghq.com"},
            "build": {"sha": f.sha1(), "checksum": f.md5(), "integrity": f.md5()},
        }
        return f"{proj}/config/production.json", json.dumps(data, indent=2) + "\n"
    if v == 1:
        data = {
            "twilio": {"sid": f.sid(), "token": f.token(), "number": f.phone()},
            "mixpanel": {"token": f.hex32()},
            "sentry": {"dsn": f.dsn()},
        }
        return f"{proj}/functions/.runtimeconfig.json", json.dumps(data, indent=2) + "\n"
    if v == 2:
        data = {
            "activeProject": "prod",
            "profiles": {
                "prod": {
                    "accountSid": f.sid(),
                    "apiKey": f.key_sid(),
                    "apiSecret": f.key_secret(),
                    "region": "us1",
                },
                "dev": {
                    "accountSid": f.ph_sid(),
                    "apiKey": f.ph_sid("SK"),
                    "apiSecret": f.ph_secret(),
                },
            },
            "requireProfileInput": False,
        }
        return f"{proj}/.twilio-cli/config.json", json.dumps(data, indent=2) + "\n"
    if v == 3:
        data = {
            "name": proj,
            "description": "SMS notifications for deploys",
            "repository": f"https://github.com/acme/{proj}",
            "env": {
                "TWILIO_ACCOUNT_SID": {"description": "Your Twilio account SID", "value": f.sid()},
                "TWILIO_AUTH_TOKEN": {"description": "Your Twilio auth token", "value": f.token()},
                "SESSION_SECRET": {"description": "Cookie signing", "value": f.alnum32()},
                "SENDGRID_API_KEY": {
                    "description": "Email",
                    "required": False,
                    "value": f.sendgrid(),
                },
            },
            "buildpacks": [{"url": "heroku/nodejs"}],
        }
        return f"{proj}/app.json", json.dumps(data, indent=2) + "\n"
    data = {
        "version": "0.2.0",
        "configurations": [
            {
                "type": "node",
                "request": "launch",
                "name": "Launch webhook server",
                "program": "${workspaceFolder}/src/server.js",
                "env": {
                    "NODE_ENV": "development",
                    "TWILIO_ACCOUNT_SID": f.sid(),
                    "TWILIO_AUTH_TOKEN": f.token(),
                    "DD_API_KEY": f.hex32(),
                    "REQUEST_ID": f.req_id(),
                },
            }
        ],
    }
    return f"{proj}/.vscode/launch.json", json.dumps(data, indent=4) + "\n"


@_fmt("postman", 3)
def _postman(f: _File, v: int) -> tuple[str, str]:
    if v == 2:
        env = {
            "id": f.uuid(),
            "name": f"Twilio {f.pick(['prod', 'sandbox', 'staging'])}",
            "values": [
                {
                    "key": "baseUrl",
                    "value": "https://api.twilio.com/2010-04-01",
                    "type": "default",
                    "enabled": True,
                },
                {"key": "accountSid", "value": f.sid(), "type": "default", "enabled": True},
                {"key": "authToken", "value": f.token(), "type": "secret", "enabled": True},
                {"key": "messageSid", "value": f.rsid("SM"), "type": "default", "enabled": True},
                {"key": "datadogApiKey", "value": f.hex32(), "type": "secret", "enabled": False},
            ],
            "_postman_variable_scope": "environment",
            "_postman_exported_at": f.ts(),
            "_postman_exported_using": "Postman/10.18.6",
        }
        return f"postman/twilio-{f.word()}.postman_environment.json", json.dumps(
            env, indent="\t"
        ) + "\n"
    acct = f.sid()
    if v == 0:
        user, pw = acct, f.token()
    else:
        user, pw = f.key_sid(), f.key_secret()
    sm = f.rsid("SM")
    variables = [
        {"key": "baseUrl", "value": "https://api.twilio.com/2010-04-01", "type": "string"},
        {"key": "TWILIO_ACCOUNT_SID", "value": acct, "type": "string"},
        {"key": "MESSAGE_SID", "value": sm, "type": "string"},
        {"key": "ETAG", "value": f.hex32("checksum"), "type": "string"},
    ]
    if v == 0:
        variables.insert(2, {"key": "TWILIO_AUTH_TOKEN", "value": pw, "type": "string"})
    coll = {
        "info": {
            "_postman_id": f.uuid(),
            "name": "Twilio Messaging",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
            "_exporter_id": f.digits(8),
        },
        "item": [
            {
                "name": "Send SMS",
                "request": {
                    "method": "POST",
                    "header": [{"key": "X-Request-Id", "value": f.req_id()}],
                    "body": {
                        "mode": "urlencoded",
                        "urlencoded": [
                            {"key": "To", "value": f.phone(), "type": "text"},
                            {"key": "From", "value": f.phone(), "type": "text"},
                            {"key": "Body", "value": f.sms(), "type": "text"},
                        ],
                    },
                    "url": {
                        "raw": "{{baseUrl}}/Accounts/{{TWILIO_ACCOUNT_SID}}/Messages.json",
                        "host": ["{{baseUrl}}"],
                        "path": ["Accounts", "{{TWILIO_ACCOUNT_SID}}", "Messages.json"],
                    },
                },
                "response": [],
            },
            {
                "name": "Fetch message",
                "request": {
                    "method": "GET",
                    "url": {
                        "raw": f"{{{{baseUrl}}}}/Accounts/{{{{TWILIO_ACCOUNT_SID}}}}/Messages/{sm}.json"
                    },
                },
            },
        ],
        "auth": {
            "type": "basic",
            "basic": [
                {"key": "password", "value": pw, "type": "string"},
                {"key": "username", "value": user, "type": "string"},
            ],
        },
        "variable": variables,
    }
    return f"postman/Twilio {f.word().title()}.postman_collection.json", json.dumps(
        coll, indent="\t"
    ) + "\n"


def _nb_code(
    source: str, count: int, outputs: list[dict[str, object]] | None = None
) -> dict[str, object]:
    lines = source.strip("\n").split("\n")
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {},
        "outputs": outputs or [],
        "source": [ln + "\n" for ln in lines[:-1]] + [lines[-1]],
    }


def _nb_md(source: str) -> dict[str, object]:
    lines = source.strip("\n").split("\n")
    return {
        "cell_type": "markdown",
        "metadata": {},
        "source": [ln + "\n" for ln in lines[:-1]] + [lines[-1]],
    }


def _nb_stream(text: str) -> dict[str, object]:
    lines = text.strip("\n").split("\n")
    return {"name": "stdout", "output_type": "stream", "text": [ln + "\n" for ln in lines]}


@_fmt("jupyter", 3)
def _jupyter(f: _File, v: int) -> tuple[str, str]:
    cells: list[dict[str, object]] = [
        _nb_md(
            f"# {f.pick(['SMS delivery analysis', 'Twilio usage report', 'Video room debugging'])}\n"
            "Pull recent messages and look at delivery failures."
        ),
        _nb_code("import pandas as pd\nimport hashlib\nfrom twilio.rest import Client", 1),
    ]
    acct = f.sid()
    if v == 0:
        cells.append(
            _nb_code(
                f'account_sid = "{acct}"\nauth_token = "{f.token()}"\nclient = Client(account_sid, auth_token)',
                2,
            )
        )
    elif v == 1:
        cells.append(_nb_code(f"client = Client(\n    '{acct}',\n    '{f.token()}',\n)", 2))
    else:
        cells.append(
            _nb_code(
                "from twilio.jwt.access_token import AccessToken\n"
                "from twilio.jwt.access_token.grants import VideoGrant\n\n"
                f'ACCOUNT_SID = "{acct}"\n'
                f'API_KEY_SID = "{f.key_sid()}"\n'
                f'API_KEY_SECRET = "{f.key_secret()}"\n\n'
                "token = AccessToken(ACCOUNT_SID, API_KEY_SID, API_KEY_SECRET, identity='alice')\n"
                "token.add_grant(VideoGrant(room='standup'))",
                2,
            )
        )
    sids = [f.rsid("SM") for _ in range(4)]
    out = "\n".join(f"{s}  {f.pick(['delivered', 'failed', 'undelivered'])}" for s in sids)
    cells.append(
        _nb_code(
            "msgs = client.messages.list(limit=200)\nfor m in msgs[:4]:\n    print(m.sid, m.status)",
            3,
            [_nb_stream(out)],
        )
    )
    md5s = [f.md5() for _ in range(3)]
    cells.append(
        _nb_code(
            "df = pd.DataFrame([m.__dict__['_properties'] for m in msgs])\n"
            "df['to_hash'] = df['to'].map(lambda s: hashlib.md5(s.encode()).hexdigest())\n"
            "df[['to_hash', 'status']].head(3)",
            4,
            [
                {
                    "data": {
                        "text/plain": [
                            "                            to_hash     status\n",
                            *[f"{i}  {h}  delivered\n" for i, h in enumerate(md5s)],
                        ]
                    },
                    "execution_count": 4,
                    "metadata": {},
                    "output_type": "execute_result",
                }
            ],
        )
    )
    cells.append(_nb_code(f"# request id from the support ticket\nREQUEST_ID = '{f.req_id()}'", 5))
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python", "version": "3.11.6"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (
        f"notebooks/{f.pick(['sms_failures', 'usage_report', 'video_debug', 'explore'])}.ipynb",
        json.dumps(nb, indent=1) + "\n",
    )


@_fmt("ini", 4)
def _ini(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 2:
        text = _t(
            """
            [pytest]
            addopts = -ra --strict-markers
            testpaths = tests
            env =
                DJANGO_SETTINGS_MODULE=@@mod@@.settings.test
                TWILIO_ACCOUNT_SID=@@sid@@
                TWILIO_AUTH_TOKEN=@@tok@@
                CACHE_CHECKSUM=@@md5@@

            [coverage:run]
            branch = true
            """,
            mod=proj.replace("-", "_"),
            sid=f.sid(),
            tok=f.token(),
            md5=f.md5(),
        )
        return f"{proj}/pytest.ini", text
    tw = ["[twilio]", f"account_sid = {f.sid()}"]
    if v == 0:
        tw.append(f"token = {f.token()}")
    elif v == 1:
        tw.append(f"auth_token = {f.token()}")
    else:
        tw += [f"api_key = {f.key_sid()}", f"api_secret = {f.key_secret()}"]
    tw.append(f"from_number = {f.phone()}")
    sections = [
        "[app]",
        "debug = false",
        f"secret_key = {f.alnum32()}",
        f"allowed_hosts = {proj}.example.com",
    ]
    other = [
        "[github]",
        f"token = ghp_{f.alnum(36)}",
        "",
        "[cache]",
        f"checksum = {f.md5()}",
        "",
        "[datadog]",
        f"api_key = {f.hex32()}",
    ]
    if v == 1:
        other += ["", "[sendgrid]", f"api_key = {f.sendgrid()}"]
    body = "\n".join(sections) + "\n\n" + "\n".join(tw) + "\n\n" + "\n".join(other) + "\n"
    return f"{proj}/{f.pick(['setup.cfg', 'settings.ini', 'config.cfg', 'app.ini'])}", body


@_fmt("toml", 3)
def _toml(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        text = _t(
            """
            [server]
            host = "0.0.0.0"
            port = 8080

            [twilio]
            account_sid = "@@sid@@"
            auth_token = "@@tok@@"
            from = "@@from@@"

            [datadog]
            api_key = "@@dd@@"

            [build]
            commit = "@@sha@@"
            checksum = "@@md5@@"
            """,
            sid=f.sid(),
            tok=f.token(),
            dd=f.hex32(),
            sha=f.sha1(),
            md5=f.md5(),
            **{"from": f.phone()},
        )
        return f"{proj}/config.toml", text
    if v == 1:
        text = _t(
            """
            [build]
              command = "npm run build"
              publish = "dist"

            [context.production.environment]
              NODE_VERSION = "18"
              TWILIO_ACCOUNT_SID = "@@sid@@"
              TWILIO_AUTH_TOKEN = "@@tok@@"
              SENDGRID_API_KEY = "@@sg@@"
              ALGOLIA_API_KEY = "@@alg@@"

            [[headers]]
              for = "/*"
              [headers.values]
                X-Frame-Options = "DENY"
            """,
            sid=f.sid(),
            tok=f.token(),
            sg=f.sendgrid(),
            alg=f.hex32(),
        )
        return f"{proj}/netlify.toml", text
    text = _t(
        """
        name = "@@proj@@"
        main = "src/index.ts"
        compatibility_date = "2024-03-01"

        [vars]
        TWILIO_ACCOUNT_SID = "@@sid@@"
        TWILIO_API_KEY = "@@key@@"
        TWILIO_API_SECRET = "@@secret@@"
        SEGMENT_WRITE_KEY = "@@seg@@"

        [[kv_namespaces]]
        binding = "CACHE"
        id = "@@kv@@"
        """,
        proj=proj,
        sid=f.sid(),
        key=f.key_sid(),
        secret=f.key_secret(),
        seg=f.alnum32(),
        kv=f.hex32("resource-id"),
    )
    return f"{proj}/wrangler.toml", text


@_fmt("java-properties", 3)
def _properties(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 2:
        lines = [
            "## This file must *NOT* be checked into Version Control Systems,",
            "# as it contains information specific to your local configuration.",
            "sdk.dir=/Users/dev/Library/Android/sdk",
            f"TWILIO_ACCOUNT_SID={f.sid()}",
            f"TWILIO_API_KEY={f.key_sid()}",
            f"TWILIO_API_SECRET={f.key_secret()}",
            f"MAPS_API_KEY=AIza{f.alnum(35)}",
            f"MIXPANEL_TOKEN={f.hex32()}",
        ]
        return f"android/{proj}/local.properties", "\n".join(lines) + "\n"
    sep = "-" if v == 0 else ""
    sid_key = "twilio.account-sid" if v == 0 else "twilio.accountSid"
    tok_key = "twilio.auth-token" if v == 0 else "twilio.authToken"
    lines = [
        f"spring.application.name={proj}",
        "server.port=8080",
        f"spring.datasource.url=jdbc:postgresql://db:5432/{proj.replace('-', '_')}",
        "spring.datasource.username=app",
        f"spring.datasource.password={f.alnum(20)}",
        "",
        "# Twilio",
        f"{sid_key}={f.sid()}",
        f"{tok_key}={f.token()}",
        f"twilio.phone{sep}number={f.phone()}",
        f"twilio.messaging{sep}service{sep}sid={f.rsid('MG')}",
        "",
        f"management.datadog.metrics.export.api-key={f.hex32()}",
        f"app.build.checksum={f.md5()}",
        f"app.session.secret={f.alnum32()}",
    ]
    if v == 1:
        lines.append(f"spring.sendgrid.api-key={f.sendgrid()}")
    return (
        f"{proj}/src/main/resources/application{'' if v == 0 else '-prod'}.properties",
        "\n".join(lines) + "\n",
    )


@_fmt("spring-yaml", 3)
def _spring_yaml(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        tw = [
            "twilio:",
            f"  account-sid: {f.sid()}",
            f"  auth-token: {f.token()}",
            f'  from-number: "{f.phone()}"',
        ]
    elif v == 1:
        tw = [
            "app:",
            "  notifications:",
            "    twilio:",
            f"      account-sid: {f.sid()}",
            f'      auth-token: "{f.token()}"',
            "    email:",
            f"      sendgrid-api-key: {f.sendgrid()}",
        ]
    else:
        tw = [
            "twilio:",
            f"  account-sid: {f.sid()}",
            f"  api-key: {f.key_sid()}",
            f"  api-secret: {f.key_secret()}",
        ]
    text = _t(
        """
        spring:
          application:
            name: @@proj@@
          datasource:
            url: jdbc:postgresql://db:5432/app
            username: app
            password: @@pw@@
          jpa:
            open-in-view: false

        @@tw@@

        management:
          datadog:
            metrics:
              export:
                api-key: @@dd@@
                application-key: @@ddapp@@
        logging:
          level:
            com.twilio: DEBUG
        """,
        proj=proj,
        pw=f.alnum(18),
        tw="\n".join(tw),
        dd=f.hex32(),
        ddapp=f.hexn(40),
    )
    return f"{proj}/src/main/resources/application{f.pick(['', '-prod', '-local'])}.yml", text


@_fmt("appsettings-json", 3)
def _appsettings(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        tw: dict[str, str] = {
            "AccountSid": f.sid(),
            "AuthToken": f.token(),
            "PhoneNumber": f.phone(),
        }
    elif v == 1:
        tw = {"AccountSid": f.sid(), "ApiKeySid": f.key_sid(), "ApiKeySecret": f.key_secret()}
    else:
        tw = {"AccountSID": f.sid(), "AuthToken": f.token()}
    data: dict[str, object] = {
        "Logging": {"LogLevel": {"Default": "Information", "Microsoft.AspNetCore": "Warning"}},
        "AllowedHosts": "*",
        "ConnectionStrings": {
            "Default": f"Server=db;Database=app;User Id=app;Password={f.alnum(16)};"
        },
        "Twilio": tw,
        "Datadog": {"ApiKey": f.hex32()},
        "Sentry": {"Dsn": f.dsn()},
        "Jwt": {"Key": f.alnum32(), "Issuer": f"https://{proj}.example.com"},
    }
    if v == 2:
        data["SendGrid"] = {"ApiKey": f.sendgrid(), "FromEmail": f.email()}
    text = json.dumps(data, indent=2)
    bom = "\ufeff" if v == 1 else ""
    name = "appsettings.json" if v != 2 else "appsettings.Development.json"
    return f"{proj}/src/{proj.title().replace('-', '')}.Api/{name}", bom + text.replace(
        "\n", "\r\n"
    ) + "\r\n"


@_fmt("web-config", 3)
def _web_config(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 1:
        adds = [
            ("Twilio:AccountSid", f.sid()),
            ("Twilio:ApiKey", f.key_sid()),
            ("Twilio:ApiSecret", f.key_secret()),
        ]
    else:
        adds = [("TwilioAccountSid", f.sid()), ("TwilioAuthToken", f.token())]
    if v == 2:
        adds.append(("SendGridApiKey", f.sendgrid()))
    adds += [
        ("DatadogApiKey", f.hex32()),
        ("ContentChecksum", f.md5()),
        ("webpages:Version", "3.0.0.0"),
    ]
    f.rng.shuffle(adds)
    settings = "\n".join(f'    <add key="{k}" value="{val}" />' for k, val in adds)
    text = _t(
        """
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <appSettings>
        @@settings@@
          </appSettings>
          <connectionStrings>
            <add name="Default" connectionString="Data Source=sql01;Initial Catalog=App;User ID=app;Password=@@pw@@" providerName="System.Data.SqlClient" />
          </connectionStrings>
          <system.web>
            <compilation debug="false" targetFramework="4.8" />
            <machineKey validationKey="@@vk@@" decryptionKey="@@dk@@" validation="HMACSHA256" decryption="AES" />
          </system.web>
        </configuration>
        """,
        settings=settings,
        pw=f.alnum(14),
        vk=f.hexn(128).upper(),
        dk=f.hexn(64).upper(),
    )
    return f"{proj}/Web{f.pick(['', '.Release'])}.config", text.replace("\n", "\r\n")


@_fmt("xml", 4)
def _xml(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 3:
        text = _t(
            """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <configSections>
                <section name="twilio" type="Acme.Sms.TwilioSection, Acme.Sms" />
              </configSections>
              <twilio AccountSid="@@sid@@" AuthToken="@@tok@@" From="@@from@@" />
              <cache Etag="@@etag@@" RequestId="@@rid@@" />
            </configuration>
            """,
            sid=f.sid(),
            tok=f.token(),
            etag=f.hex32("checksum"),
            rid=f.req_id(),
            **{"from": f.phone()},
        )
        return f"{proj}/App.config", text.replace("\n", "\r\n")
    if v == 0:
        text = _t(
            """
            <?xml version="1.0" encoding="utf-8"?>
            <resources>
                <string name="app_name">@@name@@</string>
                <string name="twilio_account_sid" translatable="false">@@sid@@</string>
                <string name="twilio_auth_token" translatable="false">@@tok@@</string>
                <string name="google_maps_key" translatable="false">AIza@@maps@@</string>
                <string name="mixpanel_token" translatable="false">@@mix@@</string>
                <string name="build_checksum" translatable="false">@@md5@@</string>
            </resources>
            """,
            name=proj.title(),
            sid=f.sid(),
            tok=f.token(),
            maps=f.alnum(35),
            mix=f.hex32(),
            md5=f.md5(),
        )
        return f"android/{proj}/app/src/main/res/values/secrets.xml", text
    if v == 1:
        text = _t(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <settings>
              <notifications enabled="true">
                <twilio>
                  <AccountSid>@@sid@@</AccountSid>
                  <AuthToken>@@tok@@</AuthToken>
                  <From>@@from@@</From>
                </twilio>
                <sendgrid apiKey="@@sg@@" />
              </notifications>
              <cache etag="@@etag@@" md5="@@md5@@" />
              <datadog apiKey="@@dd@@" />
            </settings>
            """,
            sid=f.sid(),
            tok=f.token(),
            sg=f.sendgrid(),
            etag=f.hex32("checksum"),
            md5=f.md5(),
            dd=f.hex32(),
            **{"from": f.phone()},
        )
        return f"{proj}/conf/settings.xml", text
    text = _t(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <beans xmlns="http://www.springframework.org/schema/beans">
          <!-- legacy notifier wiring -->
          <bean id="twilioSettings" class="com.acme.notify.TwilioSettings">
            <property name="accountSid" value="@@sid@@" />
            <property name="authToken" value="@@tok@@" />
            <property name="requestId" value="@@rid@@" />
          </bean>
          <twilio-video accountSid="@@sid@@" apiKey="@@key@@" apiSecret="@@secret@@" />
          <bean id="session" class="com.acme.web.SessionConfig">
            <property name="secret" value="@@sess@@" />
          </bean>
        </beans>
        """,
        sid=f.sid(),
        tok=f.token(),
        rid=f.req_id(),
        key=f.key_sid(),
        secret=f.key_secret(),
        sess=f.alnum32(),
    )
    return f"{proj}/src/main/resources/applicationContext.xml", text


@_fmt("netrc", 3)
def _netrc(f: _File, v: int) -> tuple[str, str]:
    gh = f"machine github.com\n  login {f.pick(_FIRST)}\n  password ghp_{f.alnum(36)}\n"
    hk = f"machine api.heroku.com\n  login {f.email()}\n  password {f.uuid()}\n"
    if v == 0:
        tw = f"machine api.twilio.com\n  login {f.sid()}\n  password {f.token()}\n"
    elif v == 1:
        tw = f"machine api.twilio.com login {f.sid()} password {f.token()}\n"
    else:
        tw = f"machine api.twilio.com\n\tlogin {f.key_sid()}\n\tpassword {f.key_secret()}\n"
    other = f"machine api.example.internal login deploy password {f.hex32('other-service-key')}\n"
    parts = [gh, tw, hk, other]
    f.rng.shuffle(parts)
    name = ["home/dev/.netrc", "ci/.netrc", "home/ops/_netrc"][v]
    return name, "\n".join(parts)


@_fmt("shell-curl", 6)
def _shell(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    head = "#!/usr/bin/env bash\nset -euo pipefail\n\n"
    if v == 5:
        body = _t(
            """
            # run the worker locally against the staging account
            docker run --rm -it \\
              -e TWILIO_ACCOUNT_SID=@@sid@@ \\
              -e TWILIO_AUTH_TOKEN=@@tok@@ \\
              -e DD_API_KEY=@@dd@@ \\
              ghcr.io/acme/@@proj@@:latest

            heroku config:set SENDGRID_API_KEY=@@sg@@ TWILIO_SECONDARY_AUTH_TOKEN=@@tok2@@ -a @@proj@@
            """,
            sid=f.sid(),
            tok=f.token(),
            dd=f.hex32(),
            proj=proj,
            sg=f.sendgrid(),
            tok2=f.token(),
        )
        return f"{proj}/scripts/run-local.sh", head + body
    dd = f"curl -s -X POST 'https://api.datadoghq.com/api/v1/events' \\\n  -H 'DD-API-KEY: {f.hex32()}' \\\n  -d '{{\"title\": \"sms sent\"}}' >/dev/null\n"
    if v == 0:
        body = _t(
            """
            # quick manual test -- TODO: read these from the environment
            ACCOUNT_SID="@@sid@@"
            AUTH_TOKEN="@@tok@@"
            REQUEST_ID="@@rid@@"

            curl -X POST "https://api.twilio.com/2010-04-01/Accounts/$ACCOUNT_SID/Messages.json" \\
              --data-urlencode "Body=@@body@@" \\
              --data-urlencode "From=@@from@@" \\
              --data-urlencode "To=$1" \\
              -H "X-Request-Id: $REQUEST_ID" \\
              -u "$ACCOUNT_SID:$AUTH_TOKEN"
            """,
            sid=f.sid(),
            tok=f.token(),
            rid=f.req_id(),
            body=f.sms(),
            **{"from": f.phone()},
        )
    elif v == 1:
        acct = f.sid()
        body = _t(
            """
            # list the last calls for the incident report
            curl -s -G https://api.twilio.com/2010-04-01/Accounts/@@sid@@/Calls.json \\
                --data-urlencode "StartTime>=2024-03-01" \\
                -u @@sid@@:@@tok@@ | jq '.calls[] | {sid, status, duration}'

            # expected md5 of the export script
            echo "@@md5@@  export_calls.sh" | md5sum -c -
            """,
            sid=acct,
            tok=f.token(),
            md5=f.md5(),
        )
    elif v == 2:
        acct = f.sid()
        body = _t(
            """
            ACCOUNT=@@sid@@
            # restricted API key for the deploy bot
            curl -sS --fail "https://api.twilio.com/2010-04-01/Accounts/$ACCOUNT/Messages.json" \\
              --user "@@key@@:@@secret@@" \\
              -d "MessagingServiceSid=@@mg@@" \\
              -d "To=@@to@@" \\
              -d "Body=deploy of $(git rev-parse --short HEAD) finished"
            """,
            sid=acct,
            key=f.key_sid(),
            secret=f.key_secret(),
            mg=f.rsid("MG"),
            to=f.phone(),
        )
    elif v == 3:
        acct = f.sid()
        body = _t(
            """
            URL="https://@@sid@@:@@tok@@@api.twilio.com/2010-04-01/Accounts/@@sid@@/Messages.json"
            for n in $(cat oncall.txt); do
              curl -s -X POST "$URL" -d "To=$n" -d "From=@@from@@" -d "Body=$1" > /dev/null
            done

            curl -s https://api.sendgrid.com/v3/mail/send \\
              -H "Authorization: Bearer @@sg@@" \\
              -H 'Content-Type: application/json' \\
              -d @mail.json
            """,
            sid=acct,
            tok=f.token(),
            sg=f.sendgrid(),
            **{"from": f.phone()},
        )
    else:
        body = _t(
            """
            # one-off: export messages with the Twilio CLI
            export TWILIO_ACCOUNT_SID=@@sid@@
            export TWILIO_AUTH_TOKEN=@@tok@@
            export GITHUB_TOKEN=@@gh@@
            twilio api:core:messages:list --date-sent-after 2024-01-01 -o json > messages.json
            sha256sum messages.json  # @@sha@@
            """,
            sid=f.sid(),
            tok=f.token(),
            gh=f.hex32(),
            sha=f.sha256(),
        )
    name = f"{proj}/scripts/{f.pick(['send_sms.sh', 'notify.sh', 'oncall-page.sh', 'export.sh'])}"
    return name, head + body + "\n" + dd


@_fmt("dockerfile", 3)
def _dockerfile(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        env = f"ENV PYTHONDONTWRITEBYTECODE=1 \\\n    TWILIO_ACCOUNT_SID={f.sid()} \\\n    TWILIO_AUTH_TOKEN={f.token()}"
    elif v == 1:
        env = f"ENV TWILIO_ACCOUNT_SID {f.sid()}\nENV TWILIO_AUTH_TOKEN {f.token()}\nENV SENDGRID_API_KEY {f.sendgrid()}"
    else:
        env = (
            f'ENV TWILIO_ACCOUNT_SID="{f.sid()}" TWILIO_API_KEY="{f.key_sid()}" '
            f'TWILIO_API_SECRET="{f.key_secret()}"'
        )
    text = _t(
        """
        # syntax=docker/dockerfile:1.6
        FROM python:3.11-slim@sha256:@@digest@@ AS base

        ARG GIT_SHA=@@sha@@
        ARG TINI_MD5=@@md5@@
        @@env@@
        ENV DD_API_KEY @@dd@@

        WORKDIR /app
        RUN apt-get update && apt-get install -y --no-install-recommends curl \\
            && curl -fsSL -o /tini https://github.com/krallin/tini/releases/download/v0.19.0/tini \\
            && echo "${TINI_MD5}  /tini" | md5sum -c - && chmod +x /tini
        COPY requirements.txt .
        RUN pip install --no-cache-dir -r requirements.txt
        COPY . .
        ENTRYPOINT ["/tini", "--"]
        CMD ["gunicorn", "-b", "0.0.0.0:8000", "@@mod@@.wsgi"]
        """,
        digest=f.sha256(),
        sha=f.sha1(),
        md5=f.md5(),
        env=env,
        dd=f.hex32(),
        mod=proj.replace("-", "_"),
    )
    return f"{proj}/{f.pick(['Dockerfile', 'Dockerfile', 'docker/Dockerfile.prod'])}", text


@_fmt("makefile", 3)
def _makefile(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        vars_ = f"TWILIO_ACCOUNT_SID ?= {f.sid()}\nTWILIO_AUTH_TOKEN ?= {f.token()}\n"
        recipe = "\tcurl -s -u $(TWILIO_ACCOUNT_SID):$(TWILIO_AUTH_TOKEN) \\\n\t  https://api.twilio.com/2010-04-01/Accounts/$(TWILIO_ACCOUNT_SID)/Balance.json\n"
    elif v == 1:
        acct = f.sid()
        vars_ = ""
        recipe = (
            f"\tcurl -s -u {acct}:{f.token()} \\\n"
            f"\t  https://api.twilio.com/2010-04-01/Accounts/{acct}/Balance.json | jq .balance\n"
        )
    else:
        vars_ = (
            f"export TWILIO_ACCOUNT_SID := {f.sid()}\nexport TWILIO_API_KEY := {f.key_sid()}\n"
            f"export TWILIO_API_SECRET := {f.key_secret()}\n"
        )
        recipe = "\tpython -m scripts.send_test_sms\n"
    text = _t(
        """
        .PHONY: test lint balance deploy

        APP := @@proj@@
        DD_API_KEY := @@dd@@
        RELEASE_MD5 := @@md5@@
        @@vars@@
        test:
        \tpytest -q

        lint:
        \truff check .

        balance:
        @@recipe@@
        deploy:
        \tdocker build -t $(APP):$(shell git rev-parse --short HEAD) .
        """,
        proj=proj,
        dd=f.hex32(),
        md5=f.md5(),
        vars=vars_,
        recipe=recipe,
    )
    return f"{proj}/Makefile", text


@_fmt("python-sdk", 6)
def _python(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    mod = proj.replace("-", "_")
    if v == 0:
        text = _t(
            """
            \"\"\"Send a test SMS.\"\"\"
            import sys

            from twilio.rest import Client

            # TODO: move to env vars before merging
            account_sid = "@@sid@@"
            auth_token = "@@tok@@"
            client = Client(account_sid, auth_token)

            CALL_SID_FOR_DEBUG = "@@ca@@"
            ASSET_MD5 = "@@md5@@"


            def main(to: str) -> None:
                message = client.messages.create(body="@@body@@", from_="@@from@@", to=to)
                print(message.sid)


            if __name__ == "__main__":
                main(sys.argv[1])
            """,
            sid=f.sid(),
            tok=f.token(),
            ca=f.rsid("CA"),
            md5=f.md5(),
            body=f.sms(),
            **{"from": f.phone()},
        )
        return f"{proj}/scripts/send_test_sms.py", text
    if v == 1:
        text = _t(
            """
            import os
            from pathlib import Path

            BASE_DIR = Path(__file__).resolve().parent.parent
            SECRET_KEY = "django-insecure-@@dj@@"
            DEBUG = os.environ.get("DEBUG", "0") == "1"

            INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "@@mod@@"]

            TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "@@sid@@")
            TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "@@tok@@")
            TWILIO_API_SECRET = os.environ["TWILIO_API_SECRET"]
            TWILIO_FROM = "@@from@@"

            DATADOG_API_KEY = "@@dd@@"
            SENTRY_DSN = "@@dsn@@"
            STATICFILES_MANIFEST_MD5 = "@@md5@@"
            SENDGRID_API_KEY = os.getenv("SENDGRID_API_KEY", "@@sg@@")
            """,
            dj=f.alnum(50),
            mod=mod,
            sid=f.sid(),
            tok=f.token(),
            dd=f.hex32(),
            dsn=f.dsn(),
            md5=f.md5(),
            sg=f.sendgrid(),
            **{"from": f.phone()},
        )
        f.ref('os.environ["TWILIO_API_SECRET"]')
        return f"{proj}/{mod}/settings/production.py", text
    if v == 2:
        text = _t(
            """
            import logging

            from twilio.rest import Client

            log = logging.getLogger(__name__)

            _client = Client(
                "@@sid@@",
                "@@tok@@",
            )


            def page_oncall(numbers: list[str], text: str, request_id: str = "@@rid@@") -> None:
                for n in numbers:
                    msg = _client.messages.create(to=n, messaging_service_sid="@@mg@@", body=text)
                    log.info("sent %s request_id=%s", msg.sid, request_id)
            """,
            sid=f.sid(),
            tok=f.token(),
            rid=f.req_id(),
            mg=f.rsid("MG"),
        )
        return f"{proj}/{mod}/oncall.py", text
    if v == 3:
        acct = f.sid()
        text = _t(
            """
            from twilio.jwt.access_token import AccessToken
            from twilio.jwt.access_token.grants import VideoGrant
            from twilio.rest import Client

            TWILIO_ACCOUNT_SID = "@@sid@@"
            TWILIO_API_KEY = "@@key@@"
            TWILIO_API_SECRET = "@@secret@@"
            SESSION_SECRET = "@@sess@@"

            client = Client(username="@@key@@", password="@@secret@@", account_sid="@@sid@@")


            def video_token(identity: str, room: str) -> str:
                token = AccessToken(TWILIO_ACCOUNT_SID, TWILIO_API_KEY, TWILIO_API_SECRET, identity=identity)
                token.add_grant(VideoGrant(room=room))
                return token.to_jwt()
            """,
            sid=acct,
            key=f.key_sid(),
            secret=f.key_secret(),
            sess=f.alnum32(),
        )
        return f"{proj}/{mod}/video.py", text
    if v == 4:
        text = _t(
            """
            from flask import Flask, abort, request
            from twilio.request_validator import RequestValidator
            from twilio.twiml.messaging_response import MessagingResponse

            app = Flask(__name__)
            TWILIO_AUTH_TOKEN = "@@tok@@"
            MIXPANEL_TOKEN = "@@mix@@"
            validator = RequestValidator(TWILIO_AUTH_TOKEN)


            @app.post("/sms")
            def inbound_sms():
                sig = request.headers.get("X-Twilio-Signature", "")
                if not validator.validate(request.url, request.form, sig):
                    abort(403)
                resp = MessagingResponse()
                resp.message("Thanks, we got it!")
                return str(resp)
            """,
            tok=f.token(),
            mix=f.hex32(),
        )
        return f"{proj}/app.py", text
    # v == 5: client built from a keyword-argument call with SendGrid alongside
    text = _t(
        """
        import sendgrid
        from twilio.rest import Client

        SG = sendgrid.SendGridAPIClient(api_key="@@sg@@")
        twilio_client = Client(account_sid="@@sid@@", password="@@tok@@", username="@@sid@@")
        ETAG = "@@etag@@"
        """,
        sg=f.sendgrid(),
        sid=f.sid(),
        tok=f.token(),
        etag=f.hex32("checksum"),
    )
    return f"{proj}/{mod}/clients.py", text


@_fmt("node-sdk", 5)
def _node(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 4:
        text = _t(
            """
            const twilio = require('twilio');
            const express = require('express');

            // only the auth token is needed to validate X-Twilio-Signature
            const authToken = '@@tok@@';
            const router = express.Router();
            const cacheEtag = '@@etag@@';

            router.post('/sms', twilio.webhook(authToken, { protocol: 'https' }), (req, res) => {
              const twiml = new twilio.twiml.MessagingResponse();
              twiml.message('Got it');
              res.type('text/xml').send(twiml.toString());
            });

            module.exports = router;
            """,
            tok=f.token(),
            etag=f.hex32("checksum"),
        )
        return f"{proj}/src/routes/twilioWebhooks.js", text
    if v == 0:
        text = _t(
            """
            // Download the helper library from https://www.twilio.com/docs/node/install
            const accountSid = '@@sid@@';
            const authToken = '@@tok@@';
            const client = require('twilio')(accountSid, authToken);
            const SENTRY_DSN = '@@dsn@@';

            client.messages
              .create({ body: '@@body@@', from: '@@from@@', to: process.argv[2] })
              .then((message) => console.log(message.sid));
            """,
            sid=f.sid(),
            tok=f.token(),
            dsn=f.dsn(),
            body=f.sms(),
            **{"from": f.phone()},
        )
        return f"{proj}/send-sms.js", text
    if v == 1:
        text = _t(
            """
            'use strict';
            const express = require('express');
            const session = require('express-session');
            const twilio = require('twilio');

            const client = twilio('@@sid@@', '@@tok@@');
            const app = express();
            app.use(session({ secret: '@@sess@@', resave: false, saveUninitialized: false }));

            app.post('/notify', async (req, res) => {
              const msg = await client.messages.create({
                messagingServiceSid: '@@mg@@',
                to: req.body.to,
                body: req.body.text,
              });
              res.set('ETag', '"@@etag@@"').json({ sid: msg.sid });
            });

            module.exports = app;
            """,
            sid=f.sid(),
            tok=f.token(),
            sess=f.alnum32(),
            mg=f.rsid("MG"),
            etag=f.hex32("checksum"),
        )
        return f"{proj}/src/server.js", text
    if v == 2:
        text = _t(
            """
            const { Twilio } = require('twilio');

            const client = new Twilio(
              process.env.TWILIO_ACCOUNT_SID || '@@sid@@',
              process.env.TWILIO_AUTH_TOKEN || '@@tok@@'
            );
            const mixpanel = require('mixpanel').init('@@mix@@');

            module.exports = { client, mixpanel };
            """,
            sid=f.sid(),
            tok=f.token(),
            mix=f.hex32(),
        )
        f.ref("process.env.TWILIO_AUTH_TOKEN")
        return f"{proj}/lib/twilio.js", text
    text = _t(
        """
        const AccessToken = require('twilio').jwt.AccessToken;
        const VideoGrant = AccessToken.VideoGrant;
        const sgMail = require('@sendgrid/mail');

        sgMail.setApiKey('@@sg@@');

        module.exports = function tokenFor(identity) {
          const token = new AccessToken('@@sid@@', '@@key@@', '@@secret@@', { identity });
          token.addGrant(new VideoGrant({ room: 'support' }));
          return token.toJwt();
        };
        // build @@sha@@
        """,
        sg=f.sendgrid(),
        sid=f.sid(),
        key=f.key_sid(),
        secret=f.key_secret(),
        sha=f.sha1(),
    )
    return f"{proj}/functions/token.js", text


@_fmt("typescript-sdk", 4)
def _typescript(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 3:
        text = _t(
            """
            import { validateRequest } from "twilio";
            import type { NextApiRequest, NextApiResponse } from "next";

            const TWILIO_AUTH_TOKEN = "@@tok@@";
            const POSTHOG_KEY = "phc_@@ph@@";
            const SEGMENT_WRITE_KEY = "@@seg@@";

            export default function handler(req: NextApiRequest, res: NextApiResponse) {
              const sig = req.headers["x-twilio-signature"] as string;
              const ok = validateRequest(TWILIO_AUTH_TOKEN, sig, `https://${req.headers.host}${req.url}`, req.body);
              res.status(ok ? 200 : 403).end();
            }
            """,
            tok=f.token(),
            ph=f.alnum(43),
            seg=f.alnum32(),
        )
        return f"{proj}/pages/api/twilio/inbound.ts", text
    if v == 0:
        text = _t(
            """
            import twilio from "twilio";
            import { Logger } from "./logger";

            const log = new Logger("sms");
            const client = twilio("@@sid@@", "@@tok@@");

            export async function sendOtp(to: string, code: string): Promise<string> {
              const msg = await client.messages.create({ from: "@@from@@", to, body: `Your code is ${code}` });
              log.info({ sid: msg.sid, requestId: "@@rid@@" });
              return msg.sid;
            }
            """,
            sid=f.sid(),
            tok=f.token(),
            rid=f.req_id(),
            **{"from": f.phone()},
        )
        return f"{proj}/src/sms.ts", text
    if v == 1:
        text = _t(
            """
            export const config = {
              env: "production",
              twilio: {
                accountSid: "@@sid@@",
                authToken: "@@tok@@",
                verifyServiceSid: "@@va@@",
              },
              mixpanel: { token: "@@mix@@" },
              segment: { writeKey: "@@seg@@" },
              assets: { manifestChecksum: "@@md5@@" },
            } as const;
            """,
            sid=f.sid(),
            tok=f.token(),
            va=f.rsid("VA"),
            mix=f.hex32(),
            seg=f.alnum32(),
            md5=f.md5(),
        )
        return f"{proj}/src/config.ts", text
    text = _t(
        """
        import { Module } from "@nestjs/common";
        import { Twilio } from "twilio";

        export const TWILIO = Symbol("TWILIO");

        @Module({
          providers: [
            {
              provide: TWILIO,
              useFactory: () => new Twilio("@@key@@", "@@secret@@", { accountSid: "@@sid@@" }),
            },
          ],
          exports: [TWILIO],
        })
        export class TwilioModule {}
        // sentry: @@dsn@@
        """,
        key=f.key_sid(),
        secret=f.key_secret(),
        sid=f.sid(),
        dsn=f.dsn(),
    )
    return f"{proj}/src/twilio/twilio.module.ts", text


@_fmt("ruby-sdk", 4)
def _ruby(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 3:
        text = _t(
            """
            class TwilioWebhooksController < ApplicationController
              skip_before_action :verify_authenticity_token

              def sms
                auth_token = ENV.fetch('TWILIO_AUTH_TOKEN', '@@tok@@')
                validator = Twilio::Security::RequestValidator.new(auth_token)
                head :forbidden unless validator.validate(request.url, request.POST, request.headers['X-Twilio-Signature'])
                SendGrid::API.new(api_key: '@@sg@@')
              end

              ETAG = '@@etag@@'
            end
            """,
            tok=f.token(),
            sg=f.sendgrid(),
            etag=f.hex32("checksum"),
        )
        return f"{proj}/app/controllers/twilio_webhooks_controller.rb", text
    if v == 0:
        text = _t(
            """
            require 'twilio-ruby'

            account_sid = '@@sid@@'
            auth_token = '@@tok@@'
            @client = Twilio::REST::Client.new(account_sid, auth_token)

            message = @client.messages.create(
              body: '@@body@@',
              from: '@@from@@',
              to: ARGV[0]
            )
            puts message.sid
            # support ticket: request id @@rid@@, call @@ca@@
            """,
            rid=f.req_id(),
            ca=f.rsid("CA"),
            sid=f.sid(),
            tok=f.token(),
            body=f.sms(),
            **{"from": f.phone()},
        )
        return f"{proj}/bin/send_sms.rb", text
    if v == 1:
        text = _t(
            """
            # frozen_string_literal: true

            Twilio.configure do |config|
              config.account_sid = '@@sid@@'
              config.auth_token = '@@tok@@'
            end

            Rails.application.config.x.mixpanel_token = '@@mix@@'
            Rails.application.config.x.sendgrid_key = ENV.fetch('SENDGRID_API_KEY')
            Rails.application.config.session_store :cookie_store, key: '_@@mod@@_session'
            """,
            sid=f.sid(),
            tok=f.token(),
            mix=f.hex32(),
            mod=proj.replace("-", "_"),
        )
        f.ref("ENV.fetch('SENDGRID_API_KEY')")
        return f"{proj}/config/initializers/twilio.rb", text
    text = _t(
        """
        class SmsClient
          API_KEY = '@@key@@'
          API_SECRET = '@@secret@@'
          ACCOUNT_SID = '@@sid@@'
          BUILD_SHA = '@@sha@@'

          def initialize
            @client = Twilio::REST::Client.new(API_KEY, API_SECRET, ACCOUNT_SID)
          end

          def deliver(to, body)
            @client.messages.create(messaging_service_sid: '@@mg@@', to: to, body: body)
          end
        end
        """,
        key=f.key_sid(),
        secret=f.key_secret(),
        sid=f.sid(),
        sha=f.sha1(),
        mg=f.rsid("MG"),
    )
    return f"{proj}/app/services/sms_client.rb", text


@_fmt("php-sdk", 5)
def _php(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 4:
        text = _t(
            """
            <?php
            use Twilio\\Security\\RequestValidator;

            $twilioAuthToken = '@@tok@@';
            $validator = new RequestValidator($twilioAuthToken);
            $sendgrid = new \\SendGrid('@@sg@@');
            $requestId = '@@rid@@';

            if (!$validator->validate($_SERVER['HTTP_X_TWILIO_SIGNATURE'], $url, $_POST)) {
                http_response_code(403);
                exit;
            }
            """,
            tok=f.token(),
            sg=f.sendgrid(),
            rid=f.req_id(),
        )
        return f"{proj}/public/twilio-webhook.php", text
    if v == 0:
        text = _t(
            """
            <?php
            require_once '/path/to/vendor/autoload.php';

            use Twilio\\Rest\\Client;

            $sid    = "@@sid@@";
            $token  = "@@tok@@";
            $twilio = new Client($sid, $token);

            $message = $twilio->messages
              ->create("@@to@@", ["from" => "@@from@@", "body" => "@@body@@"]);

            print($message->sid);
            // last failed call: @@ca@@ (request @@rid@@)
            """,
            ca=f.rsid("CA"),
            rid=f.req_id(),
            sid=f.sid(),
            tok=f.token(),
            to=f.phone(),
            body=f.sms(),
            **{"from": f.phone()},
        )
        return f"{proj}/send_sms.php", text
    if v == 1:
        text = _t(
            """
            <?php

            return [
                'mailgun' => [
                    'domain' => env('MAILGUN_DOMAIN'),
                    'secret' => env('MAILGUN_SECRET', '@@mg@@'),
                ],

                'twilio' => [
                    'sid' => env('TWILIO_SID', '@@sid@@'),
                    'token' => env('TWILIO_TOKEN', '@@tok@@'),
                    'from' => env('TWILIO_FROM', '@@from@@'),
                ],

                'sendgrid' => [
                    'api_key' => env('SENDGRID_API_KEY', '@@sg@@'),
                ],
            ];
            """,
            mg=f.hex32(),
            sid=f.sid(),
            tok=f.token(),
            sg=f.sendgrid(),
            **{"from": f.phone()},
        )
        return f"{proj}/config/services.php", text
    if v == 2:
        text = _t(
            """
            <?php
            namespace App\\Notifications;

            use Twilio\\Rest\\Client;

            final class SmsChannel
            {
                private Client $client;

                public function __construct()
                {
                    $this->client = new Client("@@key@@", "@@secret@@", "@@sid@@");
                }

                public function checksum(): string
                {
                    return '@@md5@@';
                }
            }
            """,
            key=f.key_sid(),
            secret=f.key_secret(),
            sid=f.sid(),
            md5=f.md5(),
        )
        return f"{proj}/app/Notifications/SmsChannel.php", text
    salts = "\n".join(
        f"define( '{k}', '{f.b64(64)}' );"
        for k in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY")
    )
    text = _t(
        """
        <?php
        define( 'DB_NAME', 'wordpress' );
        define( 'DB_USER', 'wp' );
        define( 'DB_PASSWORD', '@@pw@@' );
        define( 'DB_HOST', 'localhost' );

        @@salts@@

        /* SMS plugin */
        define( 'TWILIO_ACCOUNT_SID', '@@sid@@' );
        define( 'TWILIO_AUTH_TOKEN', '@@tok@@' );
        define( 'WP_CACHE_KEY_SALT', '@@salt@@' );

        $table_prefix = 'wp_';
        define( 'WP_DEBUG', false );
        """,
        pw=f.alnum(16),
        salts=salts,
        sid=f.sid(),
        tok=f.token(),
        salt=f.hex32("random-hex"),
    )
    return f"{proj}/wp-config.php", text


@_fmt("java-sdk", 4)
def _java(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    pkg = "com.acme." + proj.replace("-", "")
    if v == 3:
        text = _t(
            """
            package @@pkg@@.web;

            import com.sendgrid.SendGrid;
            import com.twilio.security.RequestValidator;

            public class WebhookFilter {
                private static final String twilioAuthToken = "@@tok@@";
                private static final String BUILD_MD5 = "@@md5@@";
                private final RequestValidator validator = new RequestValidator(twilioAuthToken);
                private final SendGrid sendGrid = new SendGrid("@@sg@@");
            }
            """,
            pkg=pkg,
            tok=f.token(),
            md5=f.md5(),
            sg=f.sendgrid(),
        )
        return f"{proj}/src/main/java/{pkg.replace('.', '/')}/web/WebhookFilter.java", text
    if v == 0:
        text = _t(
            """
            package @@pkg@@;

            import com.twilio.Twilio;
            import com.twilio.rest.api.v2010.account.Message;
            import com.twilio.type.PhoneNumber;

            public class SmsSender {
                // Find your Account Sid and Token at twilio.com/console
                public static final String ACCOUNT_SID = "@@sid@@";
                public static final String AUTH_TOKEN = "@@tok@@";
                private static final String DATADOG_API_KEY = "@@dd@@";

                public static void main(String[] args) {
                    Twilio.init(ACCOUNT_SID, AUTH_TOKEN);
                    Message message = Message.creator(
                            new PhoneNumber(args[0]),
                            new PhoneNumber("@@from@@"),
                            "@@body@@")
                        .create();
                    System.out.println(message.getSid());
                }
            }
            """,
            pkg=pkg,
            sid=f.sid(),
            tok=f.token(),
            dd=f.hex32(),
            body=f.sms(),
            **{"from": f.phone()},
        )
        return f"{proj}/src/main/java/{pkg.replace('.', '/')}/SmsSender.java", text
    if v == 1:
        text = _t(
            """
            package @@pkg@@.config;

            import com.twilio.Twilio;
            import org.springframework.beans.factory.annotation.Value;
            import org.springframework.context.annotation.Configuration;
            import jakarta.annotation.PostConstruct;

            @Configuration
            public class TwilioConfig {
                @Value("${twilio.messaging-service-sid}")
                private String messagingServiceSid;

                private static final String CACHE_ETAG = "@@etag@@";

                @PostConstruct
                void init() {
                    // FIXME(jira OPS-4411): use ${twilio.auth-token} instead of the literal
                    Twilio.init("@@sid@@", "@@tok@@");
                }
            }
            """,
            pkg=pkg,
            etag=f.hex32("checksum"),
            sid=f.sid(),
            tok=f.token(),
        )
        f.ref("${twilio.auth-token}")
        return f"{proj}/src/main/java/{pkg.replace('.', '/')}/config/TwilioConfig.java", text
    text = _t(
        """
        package @@pkg@@;

        import com.twilio.http.TwilioRestClient;

        final class Clients {
            private static final String REQUEST_ID = "@@rid@@";

            static TwilioRestClient twilio() {
                return new TwilioRestClient.Builder("@@key@@", "@@secret@@")
                    .accountSid("@@sid@@")
                    .region("ie1")
                    .build();
            }
        }
        """,
        pkg=pkg,
        rid=f.req_id(),
        key=f.key_sid(),
        secret=f.key_secret(),
        sid=f.sid(),
    )
    return f"{proj}/src/main/java/{pkg.replace('.', '/')}/Clients.java", text


@_fmt("kotlin-sdk", 4)
def _kotlin(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 3:
        text = _t(
            """
            import com.twilio.security.RequestValidator

            class SignatureCheck {
                private val twilioAuthToken = "@@tok@@"
                private val validator = RequestValidator(twilioAuthToken)
                private val cacheChecksum = "@@md5@@"

                fun ok(url: String, params: Map<String, String>, sig: String) = validator.validate(url, params, sig)
            }
            """,
            tok=f.token(),
            md5=f.md5(),
        )
        return f"{proj}/src/main/kotlin/SignatureCheck.kt", text
    if v == 0:
        text = _t(
            """
            package com.acme.notify

            import com.twilio.Twilio
            import com.twilio.rest.api.v2010.account.Message
            import com.twilio.type.PhoneNumber

            private const val ACCOUNT_SID = "@@sid@@"
            private const val AUTH_TOKEN = "@@tok@@"
            private const val BUGSNAG_API_KEY = "@@bug@@"

            fun main(args: Array<String>) {
                Twilio.init(ACCOUNT_SID, AUTH_TOKEN)
                val msg = Message.creator(PhoneNumber(args[0]), PhoneNumber("@@from@@"), "@@body@@").create()
                println(msg.sid)
            }
            """,
            sid=f.sid(),
            tok=f.token(),
            bug=f.hex32(),
            body=f.sms(),
            **{"from": f.phone()},
        )
        return f"{proj}/src/main/kotlin/Main.kt", text
    if v == 1:
        text = _t(
            """
            package com.acme.app.config

            object TwilioConfig {
                const val accountSid = "@@sid@@"
                const val authToken = "@@tok@@"
                const val conversationServiceSid = "@@is@@"
            }

            object Analytics {
                const val mixpanelToken = "@@mix@@"
                const val segmentWriteKey = "@@seg@@"
            }
            """,
            sid=f.sid(),
            tok=f.token(),
            **{"is": f.rsid("IS")},
            mix=f.hex32(),
            seg=f.alnum32(),
        )
        return f"android/{proj}/app/src/main/java/com/acme/app/config/Secrets.kt", text
    text = _t(
        """
        import com.twilio.Twilio

        fun initTwilio() {
            Twilio.init("@@key@@", "@@secret@@", "@@sid@@")
            Twilio.setRegion("au1")
        }

        val buildChecksum = "@@md5@@"
        """,
        key=f.key_sid(),
        secret=f.key_secret(),
        sid=f.sid(),
        md5=f.md5(),
    )
    return f"{proj}/src/main/kotlin/TwilioInit.kt", text


@_fmt("csharp-sdk", 4)
def _csharp(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    ns = proj.title().replace("-", "")
    if v == 3:
        text = _t(
            """
            using SendGrid;
            using Twilio.Security;

            public sealed class Notifications
            {
                private const string TwilioAuthToken = "@@tok@@";
                private const string DatadogApiKey = "@@dd@@";
                private readonly RequestValidator _validator = new RequestValidator(TwilioAuthToken);
                private readonly SendGridClient _mail = new SendGridClient("@@sg@@");
            }
            """,
            tok=f.token(),
            dd=f.hex32(),
            sg=f.sendgrid(),
        )
        return f"{proj}/src/{ns}/Notifications.cs", text
    if v == 0:
        text = _t(
            """
            using System;
            using Twilio;
            using Twilio.Rest.Api.V2010.Account;

            namespace @@ns@@
            {
                class Program
                {
                    static void Main(string[] args)
                    {
                        // Find your Account SID and Auth Token at twilio.com/console
                        const string accountSid = "@@sid@@";
                        const string authToken = "@@tok@@";
                        const string datadogApiKey = "@@dd@@";

                        TwilioClient.Init(accountSid, authToken);

                        var message = MessageResource.Create(
                            body: "@@body@@",
                            from: new Twilio.Types.PhoneNumber("@@from@@"),
                            to: new Twilio.Types.PhoneNumber(args[0]));
                        Console.WriteLine(message.Sid);
                    }
                }
            }
            """,
            ns=ns,
            sid=f.sid(),
            tok=f.token(),
            dd=f.hex32(),
            body=f.sms(),
            **{"from": f.phone()},
        )
        return f"{proj}/src/{ns}/Program.cs", "\ufeff" + text.replace("\n", "\r\n")
    if v == 1:
        text = _t(
            """
            using Twilio;

            public class Startup
            {
                public Startup(IConfiguration configuration) => Configuration = configuration;
                public IConfiguration Configuration { get; }

                public void ConfigureServices(IServiceCollection services)
                {
                    var verifySid = Configuration["Twilio:VerifyServiceSid"];
                    TwilioClient.Init("@@sid@@", "@@tok@@");
                    services.AddSingleton(new CacheOptions { Etag = "@@etag@@" });
                }
            }
            """,
            sid=f.sid(),
            tok=f.token(),
            etag=f.hex32("checksum"),
        )
        return f"{proj}/src/{ns}/Startup.cs", text.replace("\n", "\r\n")
    text = _t(
        """
        using Twilio;

        internal static class TwilioBootstrap
        {
            private const string RequestId = "@@rid@@";

            public static void Init()
            {
                TwilioClient.Init("@@key@@", "@@secret@@", "@@sid@@");
            }
        }
        """,
        rid=f.req_id(),
        key=f.key_sid(),
        secret=f.key_secret(),
        sid=f.sid(),
    )
    return f"{proj}/src/{ns}/TwilioBootstrap.cs", text


@_fmt("go-sdk", 4)
def _go(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 3:
        text = _t(
            """
            package webhooks

            import (
            \t"net/http"

            \t"github.com/sendgrid/sendgrid-go"
            \t"github.com/twilio/twilio-go/client"
            )

            const twilioAuthToken = "@@tok@@"
            const requestIDSalt = "@@salt@@"

            var mailer = sendgrid.NewSendClient("@@sg@@")
            var validator = client.NewRequestValidator(twilioAuthToken)

            func Verify(r *http.Request, url string, params map[string]string) bool {
            \treturn validator.Validate(url, params, r.Header.Get("X-Twilio-Signature"))
            }
            """,
            tok=f.token(),
            salt=f.hex32("random-hex"),
            sg=f.sendgrid(),
        )
        return f"{proj}/internal/webhooks/verify.go", text
    if v == 0:
        inner = f'\t\tUsername: "{f.sid()}",\n\t\tPassword: "{f.token()}",\n'
        consts = ""
    elif v == 1:
        consts = f'const (\n\taccountSid = "{f.sid()}"\n\tauthToken  = "{f.token()}"\n\tddAPIKey   = "{f.hex32()}"\n)\n\n'
        inner = "\t\tUsername: accountSid,\n\t\tPassword: authToken,\n"
    else:
        consts = ""
        inner = f'\t\tUsername:   "{f.key_sid()}",\n\t\tPassword:   "{f.key_secret()}",\n\t\tAccountSid: "{f.sid()}",\n'
    text = _t(
        """
        package main

        import (
        \t"fmt"
        \t"os"

        \t"github.com/twilio/twilio-go"
        \topenapi "github.com/twilio/twilio-go/rest/api/v2010"
        )

        // buildChecksum is injected by the release pipeline.
        var buildChecksum = "@@md5@@"

        @@consts@@func main() {
        \tclient := twilio.NewRestClientWithParams(twilio.ClientParams{
        @@inner@@\t})

        \tparams := &openapi.CreateMessageParams{}
        \tparams.SetTo(os.Args[1])
        \tparams.SetFrom("@@from@@")
        \tparams.SetBody("@@body@@")

        \tresp, err := client.Api.CreateMessage(params)
        \tif err != nil {
        \t\tfmt.Println(err.Error())
        \t\tos.Exit(1)
        \t}
        \tfmt.Println(*resp.Sid)
        }
        """,
        md5=f.md5(),
        consts=consts,
        inner=inner,
        body=f.sms(),
        **{"from": f.phone()},
    )
    return f"{proj}/cmd/{f.pick(['sendsms', 'notifier', 'pager'])}/main.go", text


@_fmt("swift", 3)
def _swift(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        text = _t(
            """
            import Foundation

            let accountSID = "@@sid@@"
            let authToken = "@@tok@@"

            let url = URL(string: "https://api.twilio.com/2010-04-01/Accounts/\\(accountSID)/Messages.json")!
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            let login = "\\(accountSID):\\(authToken)".data(using: .utf8)!.base64EncodedString()
            request.setValue("Basic \\(login)", forHTTPHeaderField: "Authorization")
            request.httpBody = "From=@@from@@&To=\\(to)&Body=Hello".data(using: .utf8)
            let bundleChecksum = "@@md5@@"
            """,
            md5=f.md5(),
            sid=f.sid(),
            tok=f.token(),
            **{"from": urllib.parse.quote(f.phone())},
        )
        return f"ios/{proj}/Sources/SMS/SendSMS.swift", text
    if v == 1:
        text = _t(
            """
            enum Secrets {
                enum Twilio {
                    static let accountSid = "@@sid@@"
                    static let authToken = "@@tok@@"
                }
                static let mixpanelToken = "@@mix@@"
                static let sentryDSN = "@@dsn@@"
            }
            """,
            sid=f.sid(),
            tok=f.token(),
            mix=f.hex32(),
            dsn=f.dsn(),
        )
        return f"ios/{proj}/Sources/Config/Secrets.swift", text
    text = _t(
        """
        import Alamofire

        struct VideoTokenService {
            let accountSid = "@@sid@@"
            let apiKeySid = "@@key@@"
            let apiKeySecret = "@@secret@@"
            let buildSHA = "@@sha@@"

            func rooms() {
                AF.request("https://video.twilio.com/v1/Rooms")
                    .authenticate(username: apiKeySid, password: apiKeySecret)
                    .responseDecodable(of: RoomList.self) { print($0) }
            }
        }
        """,
        sid=f.sid(),
        key=f.key_sid(),
        secret=f.key_secret(),
        sha=f.sha1(),
    )
    return f"ios/{proj}/Sources/Video/VideoTokenService.swift", text


@_fmt("rust", 3)
def _rust(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        text = _t(
            """
            use reqwest::Client;

            const REQUEST_ID: &str = "@@rid@@";

            pub async fn send_sms(to: &str, body: &str) -> reqwest::Result<()> {
                let account_sid = "@@sid@@";
                let auth_token = "@@tok@@";
                let url = format!("https://api.twilio.com/2010-04-01/Accounts/{}/Messages.json", account_sid);
                Client::new()
                    .post(url)
                    .basic_auth(account_sid, Some(auth_token))
                    .header("X-Request-Id", REQUEST_ID)
                    .form(&[("To", to), ("From", "@@from@@"), ("Body", body)])
                    .send()
                    .await?;
                Ok(())
            }
            """,
            rid=f.req_id(),
            sid=f.sid(),
            tok=f.token(),
            **{"from": f.phone()},
        )
        return f"{proj}/src/sms.rs", text
    if v == 1:
        text = _t(
            """
            pub const TWILIO_ACCOUNT_SID: &str = "@@sid@@";
            pub const TWILIO_AUTH_TOKEN: &str = "@@tok@@";
            pub const SENDGRID_API_KEY: &str = "@@sg@@";
            pub const ASSET_CHECKSUM: &str = "@@md5@@";
            """,
            sid=f.sid(),
            tok=f.token(),
            sg=f.sendgrid(),
            md5=f.md5(),
        )
        return f"{proj}/src/secrets.rs", text
    text = _t(
        """
        use twilio::{Client, OutboundMessage};

        fn client() -> Client {
            Client::new("@@sid@@", "@@tok@@")
        }

        const TEMPLATE_ETAG: &str = "@@etag@@";

        fn video_config() -> twilio_rust::Configuration {
            twilio_rust::Configuration {
                basic_auth: Some(("@@key@@".into(), Some("@@secret@@".into()))),
                ..Default::default()
            }
        }
        """,
        sid=f.sid(),
        tok=f.token(),
        key=f.key_sid(),
        secret=f.key_secret(),
        etag=f.hex32("checksum"),
    )
    return f"{proj}/src/twilio_client.rs", text


@_fmt("perl", 2)
def _perl(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        text = _t(
            """
            #!/usr/bin/perl
            use strict;
            use warnings;
            use WWW::Twilio::API;

            my $twilio = WWW::Twilio::API->new(
                AccountSid => '@@sid@@',
                AuthToken  => '@@tok@@',
            );
            my $response = $twilio->POST('Messages', From => '@@from@@', To => $ARGV[0], Body => 'ping');
            print $response->{content};
            # md5 of the template: @@md5@@
            """,
            sid=f.sid(),
            tok=f.token(),
            md5=f.md5(),
            **{"from": f.phone()},
        )
        return f"{proj}/bin/sms.pl", text
    text = _t(
        """
        use LWP::UserAgent;
        use HTTP::Request::Common qw(POST);

        my $account_sid = '@@sid@@';
        my $auth_token  = '@@tok@@';
        my $dd_api_key  = '@@dd@@';

        my $req = POST "https://api.twilio.com/2010-04-01/Accounts/$account_sid/Messages.json",
            [ To => $ARGV[0], From => '@@from@@', Body => $ARGV[1] ];
        $req->authorization_basic($account_sid, $auth_token);
        LWP::UserAgent->new->request($req);
        """,
        sid=f.sid(),
        tok=f.token(),
        dd=f.hex32(),
        **{"from": f.phone()},
    )
    return f"{proj}/lib/Notify/Sms.pm", text


@_fmt("powershell", 3)
def _powershell(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        text = _t(
            """
            # Send an SMS through Twilio
            $AccountSid = "@@sid@@"
            $AuthToken = "@@tok@@"
            $Url = "https://api.twilio.com/2010-04-01/Accounts/$AccountSid/Messages.json"

            $Secure = ConvertTo-SecureString $AuthToken -AsPlainText -Force
            $Credential = New-Object System.Management.Automation.PSCredential($AccountSid, $Secure)
            $Params = @{ To = $args[0]; From = "@@from@@"; Body = "Backup completed" }
            Invoke-RestMethod -Uri $Url -Method Post -Credential $Credential -Body $Params
            $ExpectedMd5 = "@@md5@@"
            """,
            sid=f.sid(),
            tok=f.token(),
            md5=f.md5(),
            **{"from": f.phone()},
        )
    elif v == 1:
        text = _t(
            """
            $env:TWILIO_ACCOUNT_SID = "@@sid@@"
            $env:TWILIO_AUTH_TOKEN = "@@tok@@"
            $env:DD_API_KEY = "@@dd@@"
            npm run start:worker
            """,
            sid=f.sid(),
            tok=f.token(),
            dd=f.hex32(),
        )
    else:
        text = _t(
            """
            param([string]$Room = "standup")
            $AccountSid   = '@@sid@@'
            $ApiKeySid    = '@@key@@'
            $ApiKeySecret = '@@secret@@'
            $RequestId    = '@@rid@@'
            $pair = "$($ApiKeySid):$($ApiKeySecret)"
            $basic = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($pair))
            Invoke-RestMethod -Uri "https://video.twilio.com/v1/Rooms" -Headers @{ Authorization = "Basic $basic" }
            """,
            sid=f.sid(),
            key=f.key_sid(),
            secret=f.key_secret(),
            rid=f.req_id(),
        )
    name = f"{proj}/tools/{['Send-Sms.ps1', 'dev-env.ps1', 'Get-Rooms.ps1'][v]}"
    return name, text.replace("\n", "\r\n")


@_fmt("elixir", 2)
def _elixir(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    app = proj.replace("-", "_")
    if v == 0:
        text = _t(
            """
            import Config

            config :@@app@@, @@App@@Web.Endpoint,
              secret_key_base: "@@skb@@"

            config :ex_twilio,
              account_sid: "@@sid@@",
              auth_token: "@@tok@@"

            config :sentry, dsn: "@@dsn@@"
            """,
            app=app,
            App=proj.title().replace("-", ""),
            skb=f.b64(64),
            sid=f.sid(),
            tok=f.token(),
            dsn=f.dsn(),
        )
        return f"{proj}/config/prod.exs", text
    text = _t(
        """
        import Config

        config :ex_twilio,
          account_sid: System.get_env("TWILIO_ACCOUNT_SID") || "@@sid@@",
          api_key: "@@key@@",
          api_secret: "@@secret@@"

        config :@@app@@, :mixpanel_token, "@@mix@@"
        """,
        sid=f.sid(),
        key=f.key_sid(),
        secret=f.key_secret(),
        app=app,
        mix=f.hex32(),
    )
    return f"{proj}/config/runtime.exs", text


@_fmt("scala", 2)
def _scala(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        text = _t(
            """
            package com.acme.notify

            import com.twilio.Twilio
            import com.twilio.rest.api.v2010.account.Message
            import com.twilio.`type`.PhoneNumber

            object Sms extends App {
              Twilio.init("@@sid@@", "@@tok@@")
              val etag = "@@etag@@"
              val msg = Message.creator(new PhoneNumber(args(0)), new PhoneNumber("@@from@@"), "hi").create()
              println(msg.getSid)
            }
            """,
            sid=f.sid(),
            tok=f.token(),
            etag=f.hex32("checksum"),
            **{"from": f.phone()},
        )
        return f"{proj}/src/main/scala/Sms.scala", text
    text = _t(
        """
        object TwilioSettings {
          val AccountSid = "@@sid@@"
          val AuthToken = "@@tok@@"
          val DatadogApiKey = "@@dd@@"
        }
        """,
        sid=f.sid(),
        tok=f.token(),
        dd=f.hex32(),
    )
    return f"{proj}/src/main/scala/TwilioSettings.scala", text


@_fmt("hocon", 2)
def _hocon(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        tw = f'twilio {{\n  account-sid = "{f.sid()}"\n  auth-token = "{f.token()}"\n}}'
    else:
        tw = f'twilio.account-sid = {f.sid()}\ntwilio.api-key = {f.key_sid()}\ntwilio.api-secret = "{f.key_secret()}"'
    text = _t(
        """
        akka {
          loglevel = "INFO"
        }

        app {
          name = "@@proj@@"
          http.port = 9000
          session.secret = "@@sess@@"
        }

        @@tw@@

        datadog.api-key = "@@dd@@"
        """,
        proj=proj,
        sess=f.alnum32(),
        tw=tw,
        dd=f.hex32(),
    )
    return f"{proj}/src/main/resources/application.conf", text


def _log_noise(f: _File, n: int, service: str) -> list[str]:
    out: list[str] = []
    for _ in range(n):
        kind = f.rng.randrange(6)
        ts = f.ts()
        if kind == 0:
            out.append(
                f"{ts} INFO  [{service}] GET /healthz 200 {f.rng.randint(1, 9)}ms request_id={f.req_id()}"
            )
        elif kind == 1:
            out.append(
                f"{ts} INFO  [{service}] POST /api/v1/notifications 202 {f.rng.randint(10, 300)}ms "
                f"user={f.uuid()} trace_id={f.hexn(16)}"
            )
        elif kind == 2:
            out.append(f"{ts} DEBUG [cache] hit key=tmpl:{f.word()} etag={f.hex32('checksum')}")
        elif kind == 3:
            out.append(
                f"{ts} WARN  [{service}] slow query ({f.rng.randint(500, 4000)}ms) id={f.uuid()}"
            )
        elif kind == 4:
            out.append(
                f"{ts} INFO  [worker] job done queue=sms attempts=1 X-Request-Id: {f.req_id()}"
            )
        else:
            out.append(f"{ts} INFO  [deploy] running build {f.hexn(12)} md5={f.md5()}")
    return out


@_fmt("app-log", 3)
def _app_log(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    lines = _log_noise(f, f.rng.randint(8, 15), proj)
    if v == 0:
        cfg = (
            f"{{'DEBUG': False, 'TWILIO_ACCOUNT_SID': '{f.sid()}', 'TWILIO_AUTH_TOKEN': '{f.token()}', "
            f"'DATADOG_API_KEY': '{f.hex32()}', 'REDIS_URL': 'redis://cache:6379/0'}}"
        )
        lines.insert(3, f"{f.ts()} DEBUG [config] loaded settings: {cfg}")
    elif v == 1:
        acct = f.sid()
        lines.insert(
            2,
            f"{f.ts()} DEBUG 1 --- [main] o.s.b.c.c.ConfigDataEnvironment : twilio.account-sid={acct}",
        )
        lines.insert(
            3,
            f"{f.ts()} DEBUG 1 --- [main] o.s.b.c.c.ConfigDataEnvironment : twilio.auth-token={f.token()}",
        )
        lines.insert(
            5, f"{f.ts()} INFO  [sms] sent {f.rsid('SM')} account={acct} request_id={f.req_id()}"
        )
    else:
        lines.insert(
            4,
            f"{f.ts()} [worker] Config {{ twilio: {{ accountSid: '{f.sid()}', apiKey: '{f.key_sid()}', "
            f"apiSecret: '{f.key_secret()}' }}, sendgrid: {{ apiKey: '{f.sendgrid()}' }}, "
            f"mixpanel: {{ token: '{f.hex32()}' }} }}",
        )
    name = f"logs/{proj}/{f.pick(['app.log', 'server.log', 'worker.log', 'debug.log'])}"
    return name, "\n".join(lines) + "\n"


@_fmt("webhook-log", 3)
def _webhook_log(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    acct = f.sid()
    sub = f.sid() if v == 1 else acct  # a subaccount shows up too
    lines: list[str] = []
    for i in range(f.rng.randint(25, 40)):
        which = f.rng.randrange(4)
        a = sub if (v == 1 and i % 3 == 0) else acct
        ip = f.pick(["54.172.60.1", "54.244.51.3", "34.203.250.12", "3.80.31.3"])
        if which == 0:
            path, params = "/webhooks/twilio/sms", _sms_webhook(f, a)
        elif which == 1:
            path, params = "/webhooks/twilio/status", _status_callback(f, a)
        elif which == 2:
            path, params = "/webhooks/twilio/voice", _voice_webhook(f, a)
        else:
            lines.append(f"{f.ts()} INFO  GET /healthz 200 request_id={f.req_id()}")
            continue
        sig = f.b64(27) + "="
        if v == 2:
            lines.append(
                json.dumps(
                    {
                        "ts": f.ts(),
                        "level": "info",
                        "msg": "twilio webhook",
                        "path": path,
                        "remote": ip,
                        "headers": {
                            "X-Twilio-Signature": sig,
                            "I-Twilio-Idempotency-Token": f.uuid(),
                        },
                        "form": dict(params),
                    }
                )
            )
        else:
            lines.append(
                f'{f.ts()} INFO  [{proj}] POST {path} from {ip} sig="{sig}" body="{_form(params)}"'
            )
    return f"logs/{proj}/webhooks-{f.rng.randint(1, 28):02d}.log", "\n".join(lines) + "\n"


@_fmt("api-response", 3)
def _api_response(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    acct = f.sid()
    if v == 0:
        msgs = [_message_json(f, acct, f.pick(["delivered", "sent", "failed"])) for _ in range(4)]
        page = {
            "end": 3,
            "first_page_uri": f"/2010-04-01/Accounts/{acct}/Messages.json?PageSize=4&Page=0",
            "messages": msgs,
            "next_page_uri": None,
            "page": 0,
            "page_size": 4,
            "previous_page_uri": None,
            "start": 0,
            "uri": f"/2010-04-01/Accounts/{acct}/Messages.json?PageSize=4&Page=0",
        }
        return f"{proj}/tests/fixtures/messages_page.json", json.dumps(page, indent=2) + "\n"
    if v == 1:
        msg = _message_json(f, acct)
        text = _t(
            """
            -- BEGIN Twilio API Request --
            POST Request: https://api.twilio.com/2010-04-01/Accounts/@@sid@@/Messages.json
            Headers:
            Content-Type : application/x-www-form-urlencoded
            User-Agent : twilio-python/@@ver@@ (Linux x86_64) Python/3.11.6
            X-Twilio-Client : python-@@ver@@
            Accept-Charset : utf-8
            Accept : application/json
            -- END Twilio API Request --
            Response Status Code: 201
            Response Headers: {'Content-Type': 'application/json', 'Twilio-Request-Id': '@@rq@@', 'Twilio-Concurrent-Requests': '1', 'Twilio-Request-Duration': '0.062', 'X-Shenanigans': 'none', 'X-Request-Id': '@@rid@@'}
            @@body@@
            """,
            sid=acct,
            ver=f.version(),
            rq=f.rsid("RQ"),
            rid=f.req_id(),
            body=json.dumps(msg),
        )
        return f"logs/{proj}/twilio-debug.log", text
    call_sid = f.rsid("CA")
    call = {
        "account_sid": acct,
        "annotation": None,
        "answered_by": None,
        "api_version": "2010-04-01",
        "caller_name": None,
        "date_created": f.rfc2822(),
        "direction": "outbound-api",
        "duration": str(f.rng.randint(5, 300)),
        "from": f.phone(),
        "parent_call_sid": None,
        "phone_number_sid": f.rsid("PN"),
        "price": "-0.01300",
        "price_unit": "USD",
        "queue_time": "0",
        "sid": call_sid,
        "status": "completed",
        "subresource_uris": {
            "recordings": f"/2010-04-01/Accounts/{acct}/Calls/{call_sid}/Recordings.json",
            "notifications": f"/2010-04-01/Accounts/{acct}/Calls/{call_sid}/Notifications.json",
        },
        "to": f.phone(),
        "trunk_sid": None,
        "uri": f"/2010-04-01/Accounts/{acct}/Calls/{call_sid}.json",
    }
    return f"{proj}/tests/fixtures/call_{call_sid[2:10]}.json", json.dumps(call, indent=4) + "\n"


@_fmt("csv", 3)
def _csv(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        acct = f.sid()
        rows = [
            "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit"
        ]
        for _ in range(f.rng.randint(15, 30)):
            status = f.pick(["delivered", "delivered", "undelivered", "failed"])
            rows.append(
                f'{f.phone()},{f.phone()},"{f.sms()}",{status},{f.ts()},2010-04-01,1,'
                f"{'' if status == 'delivered' else '30003'},{acct},{f.rsid('SM')},outbound-api,-0.00790,USD"
            )
        return f"exports/{proj}/sms-log-2024-{f.rng.randint(1, 12):02d}.csv", "\n".join(rows) + "\n"
    if v == 1:
        rows = ["id,tenant,provider,account_sid,auth_token,template_checksum,created_at"]
        for i in range(1, f.rng.randint(5, 8)):
            rows.append(f"{i},{f.word()},twilio,{f.sid()},{f.token()},{f.md5()},{f.ts()}")
        return f"exports/{proj}/integrations.csv", "\n".join(rows) + "\n"
    acct = f.sid()
    rows = ["sid,phone_number,friendly_name,account_sid,sms_url,date_created"]
    for _ in range(f.rng.randint(6, 12)):
        rows.append(
            f"{f.rsid('PN')},{f.phone()},{f.word()} line,{acct},https://{proj}.example.com/sms,{f.ts()}"
        )
    return f"exports/{proj}/phone-numbers.csv", "\n".join(rows) + "\n"


@_fmt("markdown", 4)
def _markdown(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        text = _t(
            """
            # @@proj@@

            Sends appointment reminders over SMS.

            ## Setup

            Copy `.env.example` to `.env` and fill in your credentials:

            ```bash
            TWILIO_ACCOUNT_SID=@@phsid@@
            TWILIO_AUTH_TOKEN=@@phtok@@
            ```

            For the shared **staging sandbox** you can use the team account:

            ```bash
            export TWILIO_ACCOUNT_SID=@@sid@@
            export TWILIO_AUTH_TOKEN=@@tok@@
            ```

            The build pins `tini` with md5 `@@md5@@`.
            """,
            proj=proj,
            phsid=f.ph_sid(),
            phtok=f.ph_token(),
            sid=f.sid(),
            tok=f.token(),
            md5=f.md5(),
        )
        return f"{proj}/README.md", text
    if v == 1:
        acct = f.sid()
        text = _t(
            """
            # Troubleshooting SMS delivery

            1. Check the message status (replace the SID):

               ```sh
               curl -u @@sid@@:@@tok@@ \\
                 https://api.twilio.com/2010-04-01/Accounts/@@sid@@/Messages/@@sm@@.json
               ```

            2. Error 30003 means the handset is unreachable. Logs for the account
               `@@masked@@` are in Datadog (request id `@@rid@@`).

            3. Ping #sms-oncall with the `Twilio-Request-Id` (`@@rq@@`).
            """,
            sid=acct,
            tok=f.token(),
            sm=f.rsid("SM"),
            masked=f.masked_sid(),
            rid=f.req_id(),
            rq=f.rsid("RQ"),
        )
        return f"docs/{proj}/troubleshooting.md", text
    if v == 2:
        acct = f.sid()
        text = _t(
            """
            # Incident 2024-@@n@@: duplicate reminders

            **Impact:** ~1,200 patients received two reminders.

            Sample response captured from the API:

            ```json
            @@resp@@
            ```

            Root cause: the retry job re-sent messages whose status callback was late.
            Fix merged in `@@sha@@`.
            """,
            n=f.digits(3),
            resp=json.dumps(_message_json(f, acct, "delivered"), indent=2),
            sha=f.sha1(),
        )
        return f"docs/incidents/{proj}-duplicate-reminders.md", text
    text = _t(
        """
        # Migration to API keys

        | Variable | Value | Notes |
        |----------|-------|-------|
        | `TWILIO_ACCOUNT_SID` | `@@sid@@` | main account |
        | `TWILIO_API_KEY` | `@@key@@` | "deploy-bot" key |
        | `TWILIO_API_SECRET` | `@@secret@@` | shown once - stored here for now |
        | `SENDGRID_API_KEY` | `@@sg@@` | |
        | `SEGMENT_WRITE_KEY` | `@@seg@@` | analytics, not Twilio |
        | `OLD_TOKEN` | `@@masked@@` | revoked |
        """,
        sid=f.sid(),
        key=f.key_sid(),
        secret=f.key_secret(),
        sg=f.sendgrid(),
        seg=f.alnum32(),
        masked=f.masked_token(),
    )
    return f"docs/{proj}/api-keys.md", text


@_fmt("html", 3)
def _html(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    sri = f.b64(64)
    if v == 0:
        script = _t(
            """
            const TWILIO_ACCOUNT_SID = "@@sid@@";
            const TWILIO_AUTH_TOKEN = "@@tok@@";
            const CACHE_BUSTER = "@@md5@@";
            async function sendSms(to, body) {
              const form = new URLSearchParams({ To: to, From: "@@from@@", Body: body });
              return fetch(`https://api.twilio.com/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Messages.json`, {
                method: "POST",
                headers: { Authorization: "Basic " + btoa(TWILIO_ACCOUNT_SID + ":" + TWILIO_AUTH_TOKEN) },
                body: form,
              });
            }
            """,
            sid=f.sid(),
            tok=f.token(),
            md5=f.md5(),
            **{"from": f.phone()},
        )
        body = f'<form id="sms"><input name="to"><textarea name="body"></textarea></form>\n<script>\n{script}</script>'
    elif v == 1:
        body = _t(
            """
            <form method="post" action="/admin/integrations/twilio">
              <input type="hidden" name="csrf_token" value="@@csrf@@">
              <label>Account SID <input name="twilio_account_sid" value="@@sid@@"></label>
              <label>Auth Token <input type="password" name="twilio_auth_token" value="@@tok@@"></label>
              <label>Request ID <input name="request_id" value="@@rid@@" readonly></label>
              <button>Save</button>
            </form>
            """,
            csrf=f.alnum32(),
            sid=f.sid(),
            tok=f.token(),
            rid=f.req_id(),
        )
    else:
        body = _t(
            """
            <div id="app" data-build="@@sha@@"></div>
            <script>
              window.__CONFIG__ = {"sendgridKey":"@@sg@@","twilio":{"apiKey":"@@key@@","apiSecret":"@@secret@@","accountSid":"@@sid@@"},"mixpanelToken":"@@mix@@"};
            </script>
            """,
            sha=f.sha1(),
            sg=f.sendgrid(),
            key=f.key_sid(),
            secret=f.key_secret(),
            sid=f.sid(),
            mix=f.hex32(),
        )
    text = _t(
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>@@proj@@ admin</title>
          <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/css/bootstrap.min.css"
                integrity="sha384-@@sri@@" crossorigin="anonymous">
        </head>
        <body>
        @@body@@
        </body>
        </html>
        """,
        proj=proj,
        sri=sri,
        body=body,
    )
    return (
        f"{proj}/{f.pick(['public/index.html', 'templates/admin/settings.html', 'static/sms.html'])}",
        text,
    )


@_fmt("sql", 3)
def _sql(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        rows = ",\n".join(
            f"  ({i}, '{f.uuid()}', 'twilio', '{f.sid()}', '{f.token()}', '{f.md5()}', now())"
            for i in range(1, f.rng.randint(3, 5))
        )
        text = _t(
            """
            -- seed data for local development
            CREATE TABLE IF NOT EXISTS integrations (
              id serial PRIMARY KEY,
              tenant_id uuid NOT NULL,
              provider text NOT NULL,
              account_sid text,
              auth_token text,
              config_checksum char(32),
              created_at timestamptz
            );

            INSERT INTO integrations (id, tenant_id, provider, account_sid, auth_token, config_checksum, created_at) VALUES
            @@rows@@;
            """,
            rows=rows,
        )
        return f"{proj}/db/seeds/integrations.sql", text
    if v == 1:
        text = _t(
            """
            INSERT INTO settings (key, value) VALUES
              ('twilio_account_sid', '@@sid@@'),
              ('twilio_auth_token', '@@tok@@'),
              ('datadog_api_key', '@@dd@@'),
              ('cache_checksum', '@@md5@@'),
              ('sendgrid_api_key', '@@sg@@');

            UPDATE settings SET value = '@@tok2@@' WHERE key = 'twilio_auth_token';
            UPDATE settings SET value = '@@req@@' WHERE key = 'last_request_id';
            """,
            sid=f.sid(),
            tok=f.token(),
            dd=f.hex32(),
            md5=f.md5(),
            sg=f.sendgrid(),
            tok2=f.token(),
            req=f.req_id(),
        )
        return f"{proj}/db/migrations/0042_settings_seed.sql", text
    acct = f.sid()
    msgs = ",\n".join(
        f"  ('{f.rsid('SM')}', '{acct}', '{f.phone()}', '{f.pick(['delivered', 'failed'])}')"
        for _ in range(f.rng.randint(4, 8))
    )
    text = _t(
        """
        INSERT INTO sms_messages (sid, account_sid, to_number, status) VALUES
        @@msgs@@;

        INSERT INTO api_credentials (name, key_sid, key_secret, account_sid) VALUES
          ('video', '@@key@@', '@@secret@@', '@@sid@@');
        """,
        msgs=msgs,
        key=f.key_sid(),
        secret=f.key_secret(),
        sid=acct,
    )
    return f"{proj}/db/fixtures.sql", text


def _js_module(f: _File) -> str:
    """One minified webpack module full of ids, hashes and other noise."""
    k = f.rng.randrange(9)
    if k == 0:
        return f'function(e,t,n){{"use strict";n.d(t,{{Z:function(){{return o}}}});var r=n({f.rng.randint(100, 9999)}),o=function(e){{return(0,r.jsx)("div",{{className:"{f.alnum(8)}",children:e.children}})}}}}'
    if k == 1:
        return f'function(e){{e.exports=JSON.parse(\'{{"welcome":"Welcome back","sms.sent":"Message sent","id":"{f.uuid()}","hash":"{f.hexn(20)}"}}\')}}'
    if k == 2:
        return f'function(e,t,n){{var r={{sha:"{f.sha1()}",builtAt:{f.digits(13)},etag:"{f.hex32("checksum")}"}};e.exports=r}}'
    if k == 3:
        return f'function(e,t){{t.icon="data:image/png;base64,{f.b64(f.rng.randint(200, 900))}"}}'
    if k == 4:
        return f'function(e,t,n){{const r="M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm{f.rng.randint(1, 9)} 15h-2v-6h2v6z";t.Z=r}}'
    if k == 5:
        return f'function(e,t,n){{var o=n({f.rng.randint(100, 9999)});t.track=function(e){{return o.post("/t",{{e:e,rid:"{f.req_id()}",sid:"{f.rsid()}"}})}}}}'
    if k == 6:
        return f'function(e,t){{t.md5="{f.md5()}";t.integrity="sha512-{f.b64(86)}=="}}'
    if k == 7:
        return f'function(e,t,n){{"use strict";var r=n({f.rng.randint(1, 999)});r.init({{dsn:"{f.dsn()}",release:"{f.hexn(40)}"}})}}'
    return (
        "function(e,t,n){var r=n("
        + str(f.rng.randint(1, 999))
        + ");e.exports=function(e,t){for(var n=0;n<e.length;n++)t(e[n],n)}}"
    )


@_fmt("minified-js", 3)
def _minified(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    acct = f.sid()
    payload: list[str]
    if v == 0:
        payload = [
            f'function(e,t,n){{"use strict";const r={{accountSid:"{acct}",authToken:"{f.token()}",from:"{f.phone()}"}};t.Z=r}}'
        ]
    elif v == 1:
        payload = [
            f'function(e,t,n){{var r=n(4521);t.client=r("{acct}","{f.token()}")}}',
            f'function(e,t){{t.mail={{sgKey:"{f.sendgrid()}",from:"{f.email()}"}}}}',
        ]
    else:
        payload = [
            f'function(e,t){{t.video={{accountSid:"{acct}",apiKey:"{f.key_sid()}",apiSecret:"{f.key_secret()}",room:"lobby"}}}}'
        ]
    payload.append(
        f'function(e,t){{t.analytics={{mixpanelToken:"{f.hex32()}",segmentWriteKey:"{f.alnum32()}"}}}}'
    )
    target = f.rng.randint(20_000, 60_000)
    mods: list[str] = []
    size = 0
    while size < target:
        m = _js_module(f)
        mods.append(m)
        size += len(m) + 8
    for p in payload:
        mods.insert(f.rng.randrange(len(mods)), p)
    ids = f.rng.sample(range(10, 99999), len(mods))
    body = ",".join(f"{i}:{m}" for i, m in zip(ids, mods, strict=True))
    chunk = f.rng.randint(100, 999)
    text = f'"use strict";(self.webpackChunk{proj.replace("-", "_")}=self.webpackChunk{proj.replace("-", "_")}||[]).push([[{chunk}],{{{body}}}]);\n//# sourceMappingURL={chunk}.{f.hexn(20)}.js.map\n'
    return f"{proj}/dist/static/js/{chunk}.{f.hexn(8)}.chunk.js", text


@_fmt("ansible", 3)
def _ansible(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        text = _t(
            """
            ---
            app_env: production
            app_port: 8080
            twilio_account_sid: "@@sid@@"
            twilio_auth_token: "@@tok@@"
            twilio_api_secret: "{{ vault_twilio_api_secret }}"
            datadog_api_key: "@@dd@@"
            sendgrid_api_key: "@@sg@@"
            release_checksum: "@@md5@@"
            """,
            sg=f.sendgrid(),
            sid=f.sid(),
            tok=f.token(),
            dd=f.hex32(),
            md5=f.md5(),
        )
        f.ref("{{ vault_twilio_api_secret }}")
        return f"ansible/group_vars/{proj}/vars.yml", text
    if v == 1:
        text = _t(
            """
            - name: Page on-call when the deploy fails
              community.general.twilio:
                msg: "Deploy of {{ app_version }} failed on {{ inventory_hostname }}"
                account_sid: @@sid@@
                auth_token: @@tok@@
                from_number: "@@from@@"
                to_numbers:
                  - "@@to@@"
              delegate_to: localhost
              when: deploy_result is failed

            - name: Ship event to Datadog
              ansible.builtin.uri:
                url: https://api.datadoghq.com/api/v1/events
                method: POST
                headers:
                  DD-API-KEY: "@@dd@@"
                body_format: json
                body: {title: "deploy failed"}
            """,
            sid=f.sid(),
            tok=f.token(),
            to=f.phone(),
            dd=f.hex32(),
            **{"from": f.phone()},
        )
        return f"ansible/roles/{proj}/tasks/notify.yml", text
    acct = f.sid()
    text = _t(
        """
        - name: Check Twilio balance
          ansible.builtin.uri:
            url: "https://api.twilio.com/2010-04-01/Accounts/@@sid@@/Balance.json"
            url_username: "@@key@@"
            url_password: "@@secret@@"
            force_basic_auth: true
            return_content: true
          register: balance

        - name: Template env file
          ansible.builtin.template:
            src: app.env.j2
            dest: /etc/@@proj@@/app.env
            checksum: "@@sha1@@"
        """,
        sid=acct,
        key=f.key_sid(),
        secret=f.key_secret(),
        proj=proj,
        sha1=f.sha1(),
    )
    return f"ansible/roles/{proj}/tasks/balance.yml", text


@_fmt("crontab", 3)
def _crontab(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    head = "SHELL=/bin/bash\nMAILTO=ops@example.com\nPATH=/usr/local/bin:/usr/bin:/bin\n"
    if v == 0:
        env = (
            f"TWILIO_ACCOUNT_SID={f.sid()}\nTWILIO_AUTH_TOKEN={f.token()}\nDD_API_KEY={f.hex32()}\n"
        )
        jobs = f"*/5 * * * * /opt/{proj}/bin/check_queue.sh >> /var/log/{proj}/cron.log 2>&1\n"
    elif v == 1:
        acct = f.sid()
        env = ""
        jobs = (
            f"0 7 * * 1-5 curl -s -u {acct}:{f.token()} -d To={f.phone()} -d From={f.phone()} "
            f"-d Body=standup https://api.twilio.com/2010-04-01/Accounts/{acct}/Messages.json\n"
        )
    else:
        env = ""
        jobs = (
            f"30 2 * * * TWILIO_ACCOUNT_SID={f.sid()} TWILIO_API_KEY={f.key_sid()} "
            f"TWILIO_API_SECRET={f.key_secret()} /usr/bin/python3 /opt/{proj}/purge_recordings.py\n"
        )
    jobs += f"15 3 * * * /usr/bin/md5sum -c /opt/{proj}/release.md5  # {f.md5()}\n"
    return f"ops/cron/{proj}.crontab", head + env + "# m h dom mon dow command\n" + jobs


@_fmt("http-dump", 3)
def _http_dump(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    acct = f.sid()
    if v == 0:
        msg = _message_json(f, acct)
        body = _form([("To", f.phone()), ("From", f.phone()), ("Body", f.sms())])
        text = _t(
            """
            POST /2010-04-01/Accounts/@@sid@@/Messages.json HTTP/1.1
            Host: api.twilio.com
            Authorization: Basic <redacted>
            Content-Type: application/x-www-form-urlencoded
            User-Agent: twilio-node/4.19.0 (linux x64) node/v18.18.2
            X-Request-Id: @@rid@@
            Content-Length: @@len@@

            @@body@@

            HTTP/1.1 201 Created
            Content-Type: application/json; charset=utf-8
            Twilio-Request-Id: @@rq@@
            Twilio-Request-Duration: 0.045
            X-Shenanigans: none
            ETag: "@@etag@@"

            @@resp@@
            """,
            sid=acct,
            rid=f.req_id(),
            len=len(body),
            body=body,
            rq=f.rsid("RQ"),
            etag=f.hex32("checksum"),
            resp=json.dumps(msg, indent=2),
        )
    elif v == 1:
        text = _t(
            """
            [mitmproxy flow @@fid@@]
            GET https://@@sid@@:@@tok@@@api.twilio.com/2010-04-01/Accounts/@@sid@@/Calls.json?PageSize=20 HTTP/2.0
            accept: application/json
            x-request-id: @@rid@@

            HTTP/2.0 200
            content-type: application/json
            twilio-request-id: @@rq@@
            """,
            fid=f.uuid(),
            sid=acct,
            tok=f.token(),
            rid=f.req_id(),
            rq=f.rsid("RQ"),
        )
    else:
        body = _form(_sms_webhook(f, acct))
        text = _t(
            """
            POST /twilio/inbound HTTP/1.1
            Host: @@proj@@.example.com
            X-Twilio-Signature: @@sig@@=
            I-Twilio-Idempotency-Token: @@idem@@
            Content-Type: application/x-www-form-urlencoded; charset=UTF-8
            User-Agent: TwilioProxy/1.1
            X-Request-Id: @@rid@@

            @@body@@
            """,
            proj=proj,
            sig=f.b64(27),
            idem=f.uuid(),
            rid=f.req_id(),
            body=body,
        )
    return (
        f"debug/{proj}/{f.pick(['request', 'capture', 'flow'])}-{f.rng.randint(1, 99)}.http",
        text,
    )


@_fmt("systemd", 2)
def _systemd(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        env = f'Environment="TWILIO_ACCOUNT_SID={f.sid()}"\nEnvironment="TWILIO_AUTH_TOKEN={f.token()}"\n'
    else:
        env = f"Environment=TWILIO_ACCOUNT_SID={f.sid()} TWILIO_API_KEY={f.key_sid()} TWILIO_API_SECRET={f.key_secret()}\n"
    text = _t(
        """
        [Unit]
        Description=@@proj@@ worker
        After=network-online.target

        [Service]
        User=app
        WorkingDirectory=/opt/@@proj@@
        @@env@@Environment=DD_API_KEY=@@dd@@
        Environment=NODE_ENV=production
        ExecStart=/usr/bin/node /opt/@@proj@@/worker.js
        Restart=on-failure

        [Install]
        WantedBy=multi-user.target
        """,
        proj=proj,
        env=env,
        dd=f.hex32(),
    )
    return f"ops/systemd/{proj}-worker.service", text


@_fmt("supervisord", 2)
def _supervisord(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        env = f'TWILIO_ACCOUNT_SID="{f.sid()}",TWILIO_AUTH_TOKEN="{f.token()}",SESSION_SECRET="{f.alnum32()}"'
    else:
        env = f'SENDGRID_API_KEY="{f.sendgrid()}",TWILIO_AUTH_TOKEN="{f.token()}",MIXPANEL_TOKEN="{f.hex32()}"'
    text = _t(
        """
        [program:@@proj@@]
        command=/opt/@@proj@@/venv/bin/gunicorn app:app -b 127.0.0.1:8000
        directory=/opt/@@proj@@
        user=app
        autostart=true
        autorestart=true
        environment=@@env@@
        stdout_logfile=/var/log/@@proj@@/out.log
        """,
        proj=proj,
        env=env,
    )
    return f"ops/supervisor/{proj}.conf", text


@_fmt("patch", 2)
def _patch(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    old_tok = f.token()
    new_line = (
        f"+TWILIO_AUTH_TOKEN={f.token()}" if v == 0 else f"+TWILIO_API_SECRET={f.key_secret()}"
    )
    text = _t(
        """
        From @@sha@@ Mon Sep 17 00:00:00 2001
        From: @@who@@ <@@email@@>
        Date: @@date@@
        Subject: [PATCH] rotate twilio credentials

        ---
         .env.staging | 4 ++--
         1 file changed, 2 insertions(+), 2 deletions(-)

        diff --git a/.env.staging b/.env.staging
        index @@i1@@..@@i2@@ 100644
        --- a/.env.staging
        +++ b/.env.staging
        @@ -3,6 +3,6 @@ LOG_LEVEL=info
         TWILIO_ACCOUNT_SID=@@sid@@
        -TWILIO_AUTH_TOKEN=@@old@@
        @@new@@
        -DD_API_KEY=@@dd1@@
        +DD_API_KEY=@@dd2@@
         REDIS_URL=redis://cache:6379/1
        --
        2.43.0
        """,
        sha=f.sha1(),
        who=f.pick(_FIRST).title(),
        email=f.email(),
        date=f.rfc2822(),
        i1=f.hexn(7),
        i2=f.hexn(7),
        sid=f.sid(),
        old=old_tok,
        new=new_line,
        dd1=f.hex32(),
        dd2=f.hex32(),
    )
    return f"{proj}/patches/0001-rotate-twilio-credentials.patch", text


@_fmt("batch", 2)
def _batch(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        env = f'set TWILIO_ACCOUNT_SID={f.sid()}\nset "TWILIO_AUTH_TOKEN={f.token()}"\n'
    else:
        env = (
            f"setx TWILIO_ACCOUNT_SID {f.sid()}\nsetx TWILIO_API_KEY {f.key_sid()}\n"
            f"setx TWILIO_API_SECRET {f.key_secret()}\n"
        )
    text = _t(
        """
        @echo off
        rem local dev environment for @@proj@@
        @@env@@set DD_API_KEY=@@dd@@
        set BUILD_MD5=@@md5@@
        call npm run dev
        """,
        proj=proj,
        env=env,
        dd=f.hex32(),
        md5=f.md5(),
    )
    return f"{proj}/{['dev-env.bat', 'setup.cmd'][v]}", text.replace("\n", "\r\n")


# ============================================================================================
# Decoy-only formats: nothing in these files is a credential
# ============================================================================================


@_fmt("decoy-env-example", 3)
def _d_env_example(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    lines = [
        "# Copy to .env and fill in. Never commit real values.",
        f"TWILIO_ACCOUNT_SID={f.ph_sid()}",
        f"TWILIO_AUTH_TOKEN={f.ph_token()}",
        f"TWILIO_API_KEY={f.ph_sid('SK')}",
        f"TWILIO_API_SECRET={f.ph_secret()}",
        f"SENDGRID_API_KEY={f.ph_sendgrid()}",
        "TWILIO_PHONE_NUMBER=+15005550006",
        f"TWILIO_MESSAGING_SERVICE_SID={f.rsid('MG')}",
        "",
        "# other services",
        *[f"{k}={val}" for k, val in _other_env(f, 5)],
    ]
    if v == 1:
        lines += [
            "# Values are injected by CI:",
            f"# TWILIO_AUTH_TOKEN={f.ref('${TWILIO_AUTH_TOKEN}')}",
            f"TWILIO_AUTH_TOKEN_FILE={f.ref('/run/secrets/twilio_auth_token')}",
        ]
    return f"{proj}/{['.env.example', '.env.sample', '.env.template'][v]}", "\n".join(lines) + "\n"


@_fmt("decoy-md5sums", 3)
def _d_md5sums(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    names = [
        "app.tar.gz",
        "worker.tar.gz",
        "schema.sql",
        "assets.zip",
        "twilio-helper.whl",
        "cli-linux-amd64",
    ]
    if v == 2:
        lines = [f"MD5 ({f.word()}.tar.gz) = {f.md5()}" for _ in range(10)]
    else:
        lines = [
            f"{f.md5()}  {f.word()}-{f.version()}-{f.pick(names)}"
            for _ in range(f.rng.randint(8, 20))
        ]
    return f"{proj}/release/{['MD5SUMS', 'checksums.md5', 'md5.txt'][v]}", "\n".join(lines) + "\n"


@_fmt("decoy-package-lock", 2)
def _d_package_lock(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    pkgs = [
        "twilio",
        "axios",
        "dayjs",
        "jsonwebtoken",
        "scmp",
        "qs",
        "xmlbuilder",
        "https-proxy-agent",
        "@sendgrid/mail",
        "@sendgrid/client",
    ]
    if v == 0:
        packages: dict[str, object] = {
            "": {"name": proj, "version": "1.0.0", "dependencies": {"twilio": "^4.19.0"}}
        }
        for p in pkgs:
            packages[f"node_modules/{p}"] = {
                "version": f.version(),
                "resolved": f"https://registry.npmjs.org/{p}/-/{p.split('/')[-1]}-{f.version()}.tgz",
                "integrity": f"sha512-{f.b64(86)}==",
            }
        data = {
            "name": proj,
            "version": "1.0.0",
            "lockfileVersion": 3,
            "requires": True,
            "packages": packages,
        }
        return f"{proj}/package-lock.json", json.dumps(data, indent=2) + "\n"
    out = [
        "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.",
        "# yarn lockfile v1",
        "",
    ]
    for p in pkgs:
        ver = f.version()
        out += [
            f'"{p}@^{ver}":',
            f'  version "{ver}"',
            f'  resolved "https://registry.yarnpkg.com/{p}/-/{p.split("/")[-1]}-{ver}.tgz#{f.sha1()}"',
            f"  integrity sha1-{f.b64(27)}=",
            "",
        ]
    return f"{proj}/yarn.lock", "\n".join(out)


@_fmt("decoy-lockfiles", 4)
def _d_lockfiles(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        out = []
        for p in ["twilio", "requests", "aiohttp", "pyjwt", "urllib3", "certifi"]:
            out += [
                "[[package]]",
                f'name = "{p}"',
                f'version = "{f.version()}"',
                "optional = false",
                'python-versions = ">=3.7"',
                "files = [",
                f'    {{file = "{p}-{f.version()}-py3-none-any.whl", hash = "sha256:{f.sha256()}"}},',
                f'    {{file = "{p}-{f.version()}.tar.gz", hash = "sha256:{f.sha256()}"}},',
                "]",
                "",
            ]
        out += ["[metadata]", 'lock-version = "2.0"', f'content-hash = "{f.sha256()}"']
        return f"{proj}/poetry.lock", "\n".join(out) + "\n"
    if v == 1:
        out = ["# This file is automatically @generated by Cargo.", "version = 3", ""]
        for p in ["reqwest", "serde", "tokio", "twilio", "hyper", "base64"]:
            out += [
                "[[package]]",
                f'name = "{p}"',
                f'version = "{f.version()}"',
                'source = "registry+https://github.com/rust-lang/crates.io-index"',
                f'checksum = "{f.sha256()}"',
                "",
            ]
        return f"{proj}/Cargo.lock", "\n".join(out)
    if v == 2:
        out = []
        for p in [
            "github.com/twilio/twilio-go",
            "github.com/golang/mock",
            "github.com/pkg/errors",
            "golang.org/x/net",
        ]:
            ver = f"v{f.version()}"
            out.append(f"{p} {ver} h1:{f.b64(43)}=")
            out.append(f"{p} {ver}/go.mod h1:{f.b64(43)}=")
        return f"{proj}/go.sum", "\n".join(out) + "\n"
    pk = []
    for p in ["twilio/sdk", "guzzlehttp/guzzle", "sendgrid/sendgrid", "monolog/monolog"]:
        pk.append(
            {
                "name": p,
                "version": f.version(),
                "source": {
                    "type": "git",
                    "url": f"https://github.com/{p}.git",
                    "reference": f.sha1(),
                },
                "dist": {
                    "type": "zip",
                    "url": f"https://api.github.com/repos/{p}/zipball/{f.sha1()}",
                    "reference": f.sha1(),
                    "shasum": "",
                },
            }
        )
    data = {
        "_readme": ["This file locks the dependencies of your project"],
        "content-hash": f.md5(),
        "packages": pk,
    }
    return f"{proj}/composer.lock", json.dumps(data, indent=4) + "\n"


@_fmt("decoy-requirements", 1)
def _d_requirements(f: _File, v: int) -> tuple[str, str]:
    lines = []
    for p in ["twilio", "sendgrid", "requests", "flask", "gunicorn"]:
        lines.append(
            f"{p}=={f.version()} \\\n    --hash=sha256:{f.sha256()} \\\n    --hash=sha256:{f.sha256()}"
        )
    return f"{f.project()}/requirements.lock.txt", "\n".join(lines) + "\n"


@_fmt("decoy-docs", 4)
def _d_docs(f: _File, v: int) -> tuple[str, str]:
    if v == 0:
        text = _t(
            """
            # Send your first SMS

            ```python
            # Download the helper library from https://www.twilio.com/docs/python/install
            import os
            from twilio.rest import Client

            # Find your Account SID and Auth Token at twilio.com/console
            # and set the environment variables. See http://twil.io/secure
            account_sid = os.environ["TWILIO_ACCOUNT_SID"]
            auth_token = os.environ["TWILIO_AUTH_TOKEN"]
            client = Client(account_sid, auth_token)
            ```

            Or, to try it quickly, paste your values:

            ```python
            client = Client("@@sid@@", "@@tok@@")
            ```

            The response looks like:

            ```json
            {"account_sid": "@@sid2@@", "sid": "@@sm@@", "status": "queued"}
            ```
            """,
            sid=f.ph_sid(),
            tok=f.ph_token(),
            sid2=f.decoy("AC" + "a" * 32, "placeholder"),
            sm=f.decoy("SM" + "a" * 32, "placeholder"),
        )
        f.ref('os.environ["TWILIO_AUTH_TOKEN"]')
        return "docs/quickstart/send-sms.md", text
    if v == 1:
        text = _t(
            """
            ## Authenticating with cURL

            ```bash
            curl -X POST https://api.twilio.com/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID/Messages.json \\
              --data-urlencode "Body=Hi there" \\
              --data-urlencode "From=+15017122661" \\
              --data-urlencode "To=+15558675310" \\
              -u $TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN
            ```

            Replace the placeholders: `curl -u @@sid@@:@@tok@@ ...` or use an API key
            (`-u @@key@@:@@secret@@`). With a URL: `https://@@sid3@@:[AuthToken]@api.twilio.com/...`.

            SendGrid keys look like `@@sg@@`.
            """,
            sid=f.ph_sid(),
            tok=f.ph_token(),
            key=f.ph_sid("SK"),
            secret=f.ph_secret(),
            sid3=f.ph_sid(),
            sg=f.ph_sendgrid(),
        )
        f.decoy("[AuthToken]", "placeholder")
        return "docs/api/authentication.md", text
    if v == 2:
        text = _t(
            """
            using Twilio;

            class Example
            {
                static void Main()
                {
                    string accountSid = Environment.GetEnvironmentVariable("TWILIO_ACCOUNT_SID");
                    string authToken = Environment.GetEnvironmentVariable("TWILIO_AUTH_TOKEN");
                    TwilioClient.Init(accountSid, authToken);
                    // TwilioClient.Init("@@sid@@", "@@tok@@");
                }
            }
            """,
            sid=f.ph_sid(),
            tok=f.ph_token(),
        )
        f.ref('Environment.GetEnvironmentVariable("TWILIO_AUTH_TOKEN")')
        return "docs/snippets/csharp/Example.cs", text
    text = _t(
        """
        <?php
        // Your Account SID and Auth Token from console.twilio.com
        $sid = "@@sid@@";
        $token = "@@tok@@";
        $client = new Twilio\\Rest\\Client($sid, $token);
        // API key variant
        $client = new Twilio\\Rest\\Client("@@key@@", "@@secret@@", "@@sid2@@");
        """,
        sid=f.ph_sid(),
        tok=f.ph_token(),
        key=f.ph_sid("SK"),
        secret=f.ph_secret(),
        sid2=f.ph_sid(),
    )
    return "docs/snippets/php/send_sms.php", text


@_fmt("decoy-ci-refs", 3)
def _d_ci_refs(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        text = _t(
            """
            name: deploy
            on: [push]
            jobs:
              deploy:
                runs-on: ubuntu-latest
                env:
                  TWILIO_ACCOUNT_SID: ${{ secrets.TWILIO_ACCOUNT_SID }}
                  TWILIO_AUTH_TOKEN: ${{ secrets.TWILIO_AUTH_TOKEN }}
                  TWILIO_API_SECRET: ${{ secrets.TWILIO_API_SECRET }}
                  SENDGRID_API_KEY: ${{ secrets.SENDGRID_API_KEY }}
                steps:
                  - uses: actions/checkout@@@co@@
                  - run: ./deploy.sh
                    env:
                      DD_API_KEY: ${{ secrets.DD_API_KEY }}
                      CACHE_KEY: ${{ hashFiles('**/package-lock.json') }}-@@md5@@
            """,
            co=f.sha1(),
            md5=f.md5(),
        )
        f.ref("${{ secrets.TWILIO_AUTH_TOKEN }}")
        return f"{proj}/.github/workflows/deploy.yml", text
    if v == 1:
        text = _t(
            """
            variables:
              TWILIO_ACCOUNT_SID: $TWILIO_ACCOUNT_SID
              TWILIO_AUTH_TOKEN: $TWILIO_AUTH_TOKEN

            notify:
              stage: .post
              image: curlimages/curl:8.5.0
              script:
                - curl -s -u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" -d "To=$ONCALL" -d "From=$FROM" -d "Body=pipeline $CI_PIPELINE_ID failed" "https://api.twilio.com/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID/Messages.json"
              when: on_failure
              # pinned runner image digest @@digest@@
            """,
            digest=f.sha256(),
        )
        f.ref("$TWILIO_AUTH_TOKEN")
        return f"{proj}/.gitlab-ci.yml", text
    text = _t(
        """
        pipeline {
          agent any
          environment {
            TWILIO_ACCOUNT_SID = credentials('twilio-account-sid')
            TWILIO_AUTH_TOKEN  = credentials('twilio-auth-token')
            BUILD_MD5 = '@@md5@@'
          }
          stages {
            stage('Notify') {
              steps {
                sh 'curl -u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" https://api.twilio.com/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID/Balance.json'
              }
            }
          }
        }
        """,
        md5=f.md5(),
    )
    f.ref("credentials('twilio-auth-token')")
    return f"{proj}/Jenkinsfile", text


@_fmt("decoy-secret-refs", 4)
def _d_secret_refs(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        text = _t(
            """
            apiVersion: external-secrets.io/v1beta1
            kind: ExternalSecret
            metadata:
              name: @@proj@@-twilio
            spec:
              refreshInterval: 1h
              secretStoreRef:
                name: aws-secrets-manager
                kind: ClusterSecretStore
              target:
                name: @@proj@@-twilio
              data:
                - secretKey: TWILIO_ACCOUNT_SID
                  remoteRef: {key: prod/@@proj@@/twilio, property: account_sid}
                - secretKey: TWILIO_AUTH_TOKEN
                  remoteRef: {key: prod/@@proj@@/twilio, property: auth_token}
            """,
            proj=proj,
        )
        f.ref(f"prod/{proj}/twilio")
        return f"deploy/k8s/{proj}/external-secret.yaml", text
    if v == 1:
        text = _t(
            """
            {{ with secret "secret/data/@@proj@@/twilio" -}}
            TWILIO_ACCOUNT_SID={{ .Data.data.account_sid }}
            TWILIO_AUTH_TOKEN={{ .Data.data.auth_token }}
            {{- end }}
            SENDGRID_API_KEY={{ with secret "secret/data/sendgrid" }}{{ .Data.data.api_key }}{{ end }}
            """,
            proj=proj,
        )
        f.ref("{{ .Data.data.auth_token }}")
        return f"ops/vault/{proj}.env.ctmpl", text
    if v == 2:
        text = _t(
            """
            import json
            import os

            import boto3


            def twilio_credentials() -> tuple[str, str]:
                raw = boto3.client("secretsmanager").get_secret_value(
                    SecretId="arn:aws:secretsmanager:us-east-1:@@acct@@:secret:prod/twilio-@@suffix@@"
                )["SecretString"]
                data = json.loads(raw)
                return data["TWILIO_ACCOUNT_SID"], data["TWILIO_AUTH_TOKEN"]


            AUTH_TOKEN = os.getenv("TWILIO_AUTH_TOKEN")
            API_SECRET = os.environ.get("TWILIO_API_SECRET", "")
            """,
            acct=f.digits(12),
            suffix=f.alnum(6),
        )
        f.ref('os.getenv("TWILIO_AUTH_TOKEN")')
        return f"{proj}/{proj.replace('-', '_')}/secrets.py", text
    text = _t(
        """
        const client = require('twilio')(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN);
        const apiClient = require('twilio')(process.env.TWILIO_API_KEY, process.env.TWILIO_API_SECRET, {
          accountSid: process.env.TWILIO_ACCOUNT_SID,
        });
        const token = ENV['TWILIO_AUTH_TOKEN'] // (ruby habit)
        const id = '@@uuid@@';
        """,
        uuid=f.uuid(),
    )
    f.ref("process.env.TWILIO_AUTH_TOKEN")
    return f"{proj}/src/twilioClient.js", text


@_fmt("decoy-sdk-fixtures", 3)
def _d_sdk_fixtures(f: _File, v: int) -> tuple[str, str]:
    a = "a" * 32
    if v == 0:
        text = _t(
            """
            from tests import IntegrationTestCase
            from tests.holodeck import Request
            from twilio.http.response import Response


            class MessageTestCase(IntegrationTestCase):
                def test_create_request(self):
                    self.holodeck.mock(Response(500, ""))
                    with self.assertRaises(TwilioException):
                        self.client.api.v2010.accounts("@@ac@@").messages.create(to="+15558675310")

                def test_fetch_response(self):
                    self.holodeck.mock(Response(200, '''
                        {"account_sid": "@@ac@@", "sid": "@@sm@@", "messaging_service_sid": "@@mg@@"}
                    '''))
                    actual = self.client.api.v2010.accounts("@@ac@@").messages("@@sm@@").fetch()
                    self.assertIsNotNone(actual)
            """,
            ac=f.decoy("AC" + a, "placeholder"),
            sm=f.decoy("SM" + a, "placeholder"),
            mg=f.decoy("MG" + a, "placeholder"),
        )
        return "vendor/twilio-python/tests/integration/api/v2010/account/test_message.py", text
    if v == 1:
        text = _t(
            """
            describe('Client', () => {
              const client = new Twilio('@@ac@@', 'AUTHTOKEN');
              const keyClient = new Twilio('@@sk@@', 'SECRET', { accountSid: '@@ac@@' });
              it('builds urls', () => {
                expect(client.accountSid).toBe('@@ac@@');
                expect(keyClient.username).toBe('@@sk@@');
              });
              const zeros = '@@zeros@@';
            });
            """,
            ac=f.decoy("AC" + "b" * 32, "placeholder"),
            sk=f.decoy("SK" + "b" * 32, "placeholder"),
            zeros=f.decoy("AC" + "0" * 32, "placeholder"),
        )
        return "vendor/twilio-node/spec/unit/rest/Twilio.spec.js", text
    text = _t(
        """
        func TestClient(t *testing.T) {
        \tclient := NewRestClientWithParams(ClientParams{Username: "@@ac@@", Password: "@@tok@@"})
        \tassert.Equal(t, "@@ac@@", client.AccountSid())
        \tkey := NewRestClientWithParams(ClientParams{Username: "@@sk@@", Password: "@@sec@@", AccountSid: "@@ac2@@"})
        \t_ = key
        }
        """,
        ac=f.decoy("AC" + "x" * 32, "placeholder"),
        tok=f.decoy("x" * 32, "placeholder"),
        sk=f.decoy("SK" + HEX * 2, "placeholder"),
        sec=f.decoy("X" * 32, "placeholder"),
        ac2=f.decoy("AC" + "1" * 32, "placeholder"),
    )
    return "vendor/twilio-go/client/client_test.go", text


@_fmt("decoy-other-services", 4)
def _d_other_services(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        lines = ["# providers (no Twilio here)", *[f"{k}={val}" for k, val in _other_env(f, 99)]]
        lines += [
            f"PLIVO_AUTH_ID=MA{f.upper(18)}",
            f"NEXMO_API_KEY={f.hexn(8)}",
            f"VONAGE_API_SECRET={f.alnum(16)}",
        ]
        return f"{proj}/.env", "\n".join(lines) + "\n"
    if v == 1:
        text = "\n".join(_yaml_sections(_other_sections(f, 8))) + "\n"
        return f"{proj}/config/services.yml", text
    if v == 2:
        text = _t(
            """
            api_key: @@dd@@
            site: datadoghq.com
            logs_enabled: true
            apm_config:
              enabled: true
            process_config:
              process_collection:
                enabled: false
            tags:
              - env:prod
              - service:@@proj@@
            """,
            dd=f.hex32(),
            proj=proj,
        )
        return f"ops/datadog/{proj}-datadog.yaml", text
    text = _t(
        """
        import plivo
        import vonage

        PLIVO_AUTH_ID = "MA@@pid@@"
        PLIVO_AUTH_TOKEN = "@@ptok@@"
        NEXMO_API_SECRET = "@@nsec@@"
        SESSION_SECRET = "@@sess@@"
        client_id = "@@cid@@"

        plivo_client = plivo.RestClient(PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN)
        vonage_client = vonage.Client(key="@@nkey@@", secret=NEXMO_API_SECRET)
        """,
        pid=f.upper(18),
        ptok=f.hex32(),
        nsec=f.hex32(),
        sess=f.alnum32(),
        cid=f.alnum32(),
        nkey=f.hexn(8),
    )
    return f"{proj}/{proj.replace('-', '_')}/providers.py", text


@_fmt("decoy-access-log", 2)
def _d_access_log(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    lines = []
    for _ in range(f.rng.randint(30, 50)):
        ip = f.ip()
        sm = f.rsid(f.pick(["SM", "MM", "CA"]))
        if v == 0:
            lines.append(
                f"{ip} - - [12/Mar/2024:10:{f.rng.randint(10, 59)}:{f.rng.randint(10, 59)} +0000] "
                f'"POST /twilio/status?MessageSid={sm}&MessageStatus=delivered HTTP/1.1" 204 0 "-" '
                f'"TwilioProxy/1.1" rid={f.req_id()}'
            )
        else:
            lines.append(
                json.dumps(
                    {
                        "time": f.ts(),
                        "remote_addr": ip,
                        "request": f"GET /api/messages/{sm}",
                        "status": 200,
                        "request_id": f.req_id(),
                        "upstream_md5": f.md5(),
                    }
                )
            )
    return f"logs/nginx/{proj}-access.log{'.1' if v else ''}", "\n".join(lines) + "\n"


@_fmt("decoy-git", 2)
def _d_git(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    if v == 0:
        lines = ["# pack-refs with: peeled fully-peeled sorted"]
        for ref in [
            "heads/main",
            "heads/develop",
            "remotes/origin/main",
            "tags/v1.4.0",
            "tags/v1.5.0",
        ]:
            lines.append(f"{f.sha1()} refs/{ref}")
        return f"{proj}/git-meta/packed-refs", "\n".join(lines) + "\n"
    lines = []
    for _ in range(15):
        lines.append(
            f"{f.sha1()} {f.pick(_FIRST)} {f.ts()} {f.pick(['fix: retry sms', 'chore: bump twilio', 'feat: verify'])}"
        )
    lines.append(f"# ignore formatting commit {f.sha1()}")
    return f"{proj}/.git-blame-ignore-revs", "\n".join(lines) + "\n"


@_fmt("decoy-masked-log", 2)
def _d_masked_log(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    lines = [
        f"{f.ts()} INFO  [config] TWILIO_ACCOUNT_SID={f.masked_sid()}",
        f"{f.ts()} INFO  [config] TWILIO_AUTH_TOKEN={f.masked_token()}",
        f"{f.ts()} INFO  [config] TWILIO_API_KEY={f.masked_sid('SK')}",
        f"{f.ts()} INFO  [config] TWILIO_API_SECRET={f.masked_token()}",
        f"{f.ts()} INFO  [config] SENDGRID_API_KEY=SG.****",
        f"{f.ts()} INFO  [config] using account {f.masked_sid()} for messaging service {f.rsid('MG')}",
        *_log_noise(f, 20, proj),
    ]
    f.decoy("SG.****", "masked")
    return f"logs/{proj}/startup{'-' + str(v) if v else ''}.log", "\n".join(lines) + "\n"


@_fmt("decoy-studio-flow", 2)
def _d_studio_flow(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    flow = {
        "description": "IVR",
        "states": [
            {
                "name": "Trigger",
                "type": "trigger",
                "transitions": [{"next": "greet", "event": "incomingCall"}],
            },
            {
                "name": "lookup",
                "type": "run-function",
                "properties": {
                    "service_sid": f.rsid("ZS"),
                    "environment_sid": f.decoy("ZE" + _hex32(f.rng), "resource-sid"),
                    "function_sid": f.decoy("ZH" + _hex32(f.rng), "resource-sid"),
                    "url": f"https://{proj}-{f.digits(4)}.twil.io/lookup",
                },
            },
            {
                "name": "queue",
                "type": "enqueue-call",
                "properties": {
                    "workflow_sid": f.decoy("WW" + _hex32(f.rng), "resource-sid"),
                    "task_channel": f.rsid("TR"),
                },
            },
            {
                "name": "sms",
                "type": "send-message",
                "properties": {"service": f.rsid("MG"), "from": "{{flow.channel.address}}"},
            },
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": True},
    }
    return f"{proj}/studio/{['ivr', 'sms-bot'][v]}.flow.json", json.dumps(flow, indent=2) + "\n"


@_fmt("decoy-tfstate", 1)
def _d_tfstate(f: _File, v: int) -> tuple[str, str]:
    proj = f.project()
    resources = []
    for i in range(6):
        resources.append(
            {
                "mode": "managed",
                "type": "aws_s3_object",
                "name": f"tmpl_{i}",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [
                    {
                        "attributes": {
                            "bucket": f"{proj}-templates",
                            "etag": f.hex32("checksum"),
                            "id": f"sms/{f.word()}.txt",
                            "version_id": f.alnum(20),
                            "source_hash": f.md5(),
                        }
                    }
                ],
            }
        )
    state = {
        "version": 4,
        "terraform_version": "1.6.6",
        "serial": 42,
        "lineage": f.uuid(),
        "resources": resources,
    }
    return f"infra/{proj}/terraform.tfstate.backup", json.dumps(state, indent=2) + "\n"


@_fmt("decoy-uuid-csv", 1)
def _d_uuid_csv(f: _File, v: int) -> tuple[str, str]:
    rows = ["id,email_md5,session_id,created_at"]
    for _ in range(20):
        rows.append(f"{f.uuid()},{f.md5()},{f.alnum32('random-alnum')},{f.ts()}")
    return f"exports/{f.project()}/sessions.csv", "\n".join(rows) + "\n"


@_fmt("decoy-placeholders", 2)
def _d_placeholders(f: _File, v: int) -> tuple[str, str]:
    """Every documented placeholder shape, in several syntaxes (deterministic coverage)."""
    sids = _placeholder_sids("AC")
    keys = _placeholder_sids("SK")
    toks = _placeholder_tokens()
    secs = _placeholder_secrets()
    sgs = _placeholder_sendgrid()
    out: list[str] = []
    if v == 0:
        out += ["# Configuration reference", "", "Examples from our docs (placeholders only):", ""]
        for i, sid in enumerate(sids):
            tok = toks[i % len(toks)]
            f.decoy(sid, "placeholder")
            f.decoy(tok, "placeholder")
            out += [
                "```bash",
                f"TWILIO_ACCOUNT_SID={sid}",
                f"TWILIO_AUTH_TOKEN={tok}",
                f"curl -u {sid}:{tok} https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json",
                "```",
                "",
            ]
        for tok in toks[len(sids) :]:
            out.append(f"- `authToken: '{f.decoy(tok, 'placeholder')}'`")
        for sg in sgs:
            out.append(f"- `SENDGRID_API_KEY={f.decoy(sg, 'placeholder')}`")
        return "docs/reference/configuration.md", "\n".join(out) + "\n"
    for i, key in enumerate(keys):
        sec = secs[i % len(secs)]
        sid = sids[(i + 3) % len(sids)]
        out += [
            f"profile_{i}:",
            "  twilio:",
            f"    account_sid: {f.decoy(sid, 'placeholder')}",
            f"    api_key: {f.decoy(key, 'placeholder')}",
            f"    api_secret: {json.dumps(f.decoy(sec, 'placeholder'))}",
            f'    client: Client("{key}", "{sec}", "{sid}")',
        ]
    return "config/examples/profiles.yaml", "\n".join(out) + "\n"


# ============================================================================================
# Driver
# ============================================================================================


@dataclass
class Corpus:
    root: pathlib.Path
    seed: int
    planted: list[Planted]
    decoys: list[Decoy]
    fmt_of: dict[str, str]  # every file written -> its format

    @property
    def files(self) -> list[str]:
        return sorted(self.fmt_of)

    def check(self) -> list[str]:
        """Self-consistency of the ground truth; returns a list of problems (redacted)."""
        problems: list[str] = []
        planted_in: dict[str, set[str]] = {}
        decoys_in: dict[str, set[str]] = {}
        for p in self.planted:
            planted_in.setdefault(p.path, set()).add(p.secret)
            if not KIND_RE[p.kind].fullmatch(p.secret):
                problems.append(
                    f"{p.path}: planted {p.kind} {redact(p.secret)} has the wrong shape"
                )
        for d in self.decoys:
            decoys_in.setdefault(d.path, set()).add(d.value)
        every_secret = {p.secret for p in self.planted}
        for rel in self.fmt_of:
            text = (self.root / rel).read_text(encoding="utf-8-sig")
            mine = planted_in.get(rel, set())
            for s in mine:
                if s not in text:
                    problems.append(f"{rel}: planted {redact(s)} not in file")
            for d in decoys_in.get(rel, set()):
                if d not in text:
                    problems.append(f"{rel}: decoy {redact(d)} not in file")
            for m in _SHAPED_RE.finditer(text):
                val = m.group(0)
                if val not in mine and val not in decoys_in.get(rel, set()):
                    problems.append(f"{rel}: unregistered credential-shaped value {redact(val)}")
            for s in every_secret - mine:
                if s in text:
                    problems.append(f"{rel}: holds {redact(s)} planted elsewhere but not here")
        return problems


def generate(root: pathlib.Path, seed: int = 0) -> Corpus:
    """Write the corpus under `root` and return planted credentials and decoys."""
    root = pathlib.Path(root)
    root.mkdir(parents=True, exist_ok=True)
    gen = _Gen(root, seed)
    for name, count, template in _FORMATS:
        for variant in range(count):
            f = _File(gen, name)
            rel, text = template(f, variant)
            gen.write(f, rel, text)
    return Corpus(root=root, seed=seed, planted=gen.planted, decoys=gen.decoys, fmt_of=gen.fmt_of)


def build_corpus(root: pathlib.Path, seed: int = 0) -> list[Planted]:
    """Write the corpus under `root`; return every planted credential."""
    return generate(root, seed).planted


def summary(corpus: Corpus) -> str:
    kinds = Counter(p.kind for p in corpus.planted)
    cats = Counter(d.category for d in corpus.decoys)
    total = len(corpus.planted)
    fmts = {f for f in corpus.fmt_of.values()}
    out = [
        f"seed {corpus.seed}: {len(corpus.fmt_of)} files, {len(fmts)} formats "
        f"({sum(1 for f in fmts if not f.startswith('decoy-'))} with credentials)",
        f"planted credentials: {total}",
    ]
    out += [f"  {k:18} {kinds[k]:4}  {100 * kinds[k] / max(total, 1):5.1f} %" for k in KINDS]
    out.append(f"decoys: {len(corpus.decoys)}")
    out += [f"  {c:18} {n:4}" for c, n in cats.most_common()]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover - manual inspection helper
    import sys
    import tempfile

    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    target = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else pathlib.Path(tempfile.mkdtemp())
    c = generate(target, seed)
    print(summary(c))
    problems = c.check()
    print(f"corpus written to {target}; {len(problems)} problems")
    for prob in problems[:50]:
        print("  ", prob)
