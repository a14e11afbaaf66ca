"""Generate a realistic source tree for benchmarking a directory scan.

The tree is mostly ordinary code, config, logs, data files, minified bundles and binary assets
with no credentials, plus a few hundred planted Twilio/SendGrid credentials and a handful of
files of several MB (logs, bundles, exports).  Output is deterministic for a given seed and
size.  Files are assembled by repeating varied pre-generated chunks, so 300 MB takes seconds.

    python bench/gen_tree.py /tmp/tree --size-mb 300 --seed 0

Credentials are made at run time by tests/corpus.py's generators; none is stored here.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import string
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.corpus import (  # noqa: E402
    new_account_sid,
    new_api_key_secret,
    new_api_key_sid,
    new_auth_token,
    new_sendgrid_key,
)

GENERATOR_VERSION = 1
STAMP = ".bench-tree.json"
MB = 1024 * 1024

HEX = string.digits + "abcdef"
ALNUM = string.ascii_letters + string.digits
WORDS = [
    "account", "user", "order", "invoice", "message", "queue", "worker", "client", "session",
    "token", "cache", "config", "payment", "report", "event", "handler", "request", "response",
    "retry", "batch", "export", "import", "schedule", "notify", "template", "tenant", "region",
    "metric", "trace", "span", "audit", "policy", "webhook", "status", "job",
]  # fmt: skip
SERVICES = [
    "api-gateway", "billing", "notifications", "identity", "search", "inventory", "checkout",
    "reporting", "scheduler", "media", "analytics", "support", "shipping", "pricing", "catalog",
]  # fmt: skip


@dataclass
class TreeStats:
    root: str
    seed: int
    size_mb: float
    files: int
    bytes: int
    planted: int
    large_files: int
    seconds: float


class _Rand:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choices(alphabet, k=n))

    def hexn(self, n: int) -> str:
        return self.s(HEX, n)

    def word(self) -> str:
        return self.r.choice(WORDS)

    def ident(self) -> str:
        return f"{self.word()}_{self.word()}"

    def camel(self) -> str:
        return self.word() + self.word().capitalize()

    def pascal(self) -> str:
        return self.word().capitalize() + self.word().capitalize()

    def uuid(self) -> str:
        h = self.hexn(31)
        return f"{h[:8]}-{h[8:12]}-4{h[12:15]}-a{h[15:18]}-{h[18:30]}"

    def ts(self) -> str:
        r = self.r
        return (
            f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:"
            f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z"
        )

    def num(self) -> int:
        return self.r.randint(1, 5000)


# ------------------------------------------------------------------------------------------
# Chunk templates: each returns a few hundred bytes to a few KB of ordinary text
# ------------------------------------------------------------------------------------------


def _py(g: _Rand) -> str:
    name, arg, cls = g.ident(), g.word(), g.pascal()
    return (
        f"\n\nclass {cls}Service:\n"
        f'    """Handle {g.word()} {g.word()}s for the {g.word()} pipeline."""\n\n'
        f"    def __init__(self, client, cache_ttl: int = {g.num()}) -> None:\n"
        f"        self._client = client\n        self._ttl = cache_ttl\n\n"
        f"    def {name}(self, {arg}_id: str, limit: int = {g.num()}) -> list[dict]:\n"
        f'        resp = self._client.get(f"/api/v2/{g.word()}s/{{{arg}_id}}", '
        f'params={{"limit": limit}})\n'
        f"        if resp.status_code != 200:\n"
        f'            raise RuntimeError(f"unexpected status {{resp.status_code}}")\n'
        f'        etag = resp.headers.get("ETag", "{g.hexn(16)}")\n'
        f'        return [i for i in resp.json()["items"] if i.get("{g.word()}") != etag]\n'
    )


def _js(g: _Rand) -> str:
    fn, obj = g.camel(), g.camel()
    return (
        f"\nexport async function {fn}({obj}, options = {{}}) {{\n"
        f"  const url = `/api/v1/{g.word()}s/${{{obj}.id}}?page=${{options.page ?? 1}}`;\n"
        f"  const res = await fetch(url, {{ headers: {{ 'X-Trace-Id': '{g.hexn(16)}' }} }});\n"
        f"  if (!res.ok) throw new Error(`{fn} failed: ${{res.status}}`);\n"
        f"  const body = await res.json();\n"
        f"  return body.items.map((it) => ({{ id: it.id, {g.word()}: it.{g.word()} ?? null }}));\n"
        f"}}\n"
    )


def _go(g: _Rand) -> str:
    t, f = g.pascal(), g.pascal()
    return (
        f"\n// {f} loads {g.word()} records for the given tenant.\n"
        f"func (s *{t}Store) {f}(ctx context.Context, tenant string) ([]{t}, error) {{\n"
        f'\trows, err := s.db.QueryContext(ctx, "SELECT id, {g.word()} FROM {g.word()}s '
        f'WHERE tenant = $1 LIMIT {g.num()}", tenant)\n'
        f'\tif err != nil {{\n\t\treturn nil, fmt.Errorf("{f}: %w", err)\n\t}}\n'
        f"\tdefer rows.Close()\n\tvar out []{t}\n"
        f"\tfor rows.Next() {{\n\t\tvar r {t}\n\t\tif err := rows.Scan(&r.ID, &r.Value); "
        f"err != nil {{\n\t\t\treturn nil, err\n\t\t}}\n\t\tout = append(out, r)\n\t}}\n"
        f"\treturn out, rows.Err()\n}}\n"
    )


def _java(g: _Rand) -> str:
    cls, m = g.pascal(), g.camel()
    return (
        f"\n    /** Returns the {g.word()} for the given id. */\n"
        f"    public Optional<{cls}> {m}(final String id) {{\n"
        f'        LOG.debug("loading {{}} {g.word()}", id);\n'
        f"        final {cls} cached = cache.getIfPresent(id);\n"
        f"        if (cached != null) {{\n            return Optional.of(cached);\n        }}\n"
        f'        return repository.findById(id).map(e -> mapper.to{cls}(e, "{g.hexn(12)}"));\n'
        f"    }}\n"
    )


def _yaml(g: _Rand) -> str:
    return (
        f"{g.word()}:\n  enabled: true\n  replicas: {g.r.randint(1, 9)}\n"
        f"  image: registry.example.com/{g.word()}:{g.r.randint(1, 9)}.{g.r.randint(0, 30)}\n"
        f"  resources:\n    limits:\n      cpu: {g.r.randint(1, 9)}00m\n"
        f"      memory: {g.r.randint(1, 9)}Gi\n  labels:\n    team: {g.word()}\n"
        f"    revision: {g.hexn(40)}\n"
    )


def _json(g: _Rand) -> str:
    return (
        json.dumps(
            {
                "id": g.uuid(),
                "type": g.word(),
                "attributes": {g.word(): g.num(), "name": g.ident(), "hash": g.hexn(40)},
                "created_at": g.ts(),
            }
        )
        + ",\n"
    )


def _md(g: _Rand) -> str:
    return (
        f"\n## {g.word().capitalize()} {g.word()}\n\n"
        f"The {g.word()} service retries failed {g.word()}s up to {g.r.randint(2, 9)} times "
        f"with exponential backoff. See `{g.ident()}.py` and commit {g.hexn(12)}.\n\n"
        f"```bash\nmake {g.word()} ENV=staging\n```\n"
    )


def _log(g: _Rand) -> str:
    lines = []
    for _ in range(8):
        lines.append(
            f"{g.ts()} {g.r.choice(['INFO ', 'DEBUG', 'WARN '])} [{g.word()}] "
            f"{g.r.choice(['GET', 'POST', 'PUT'])} /api/v2/{g.word()}s/{g.num()} "
            f"{g.r.choice([200, 200, 201, 204, 404, 500])} {g.r.randint(1, 900)}ms "
            f"request_id={g.hexn(32)} user={g.uuid()}"
        )
    return "\n".join(lines) + "\n"


def _csv(g: _Rand) -> str:
    rows = [
        f"{g.uuid()},{g.word()},{g.num()},{g.r.random():.4f},{g.ts()},{g.hexn(32)}"
        for _ in range(12)
    ]
    return "\n".join(rows) + "\n"


def _sql(g: _Rand) -> str:
    return (
        f"INSERT INTO {g.word()}s (id, {g.word()}, amount, created_at) VALUES "
        + ", ".join(f"('{g.uuid()}', '{g.word()}', {g.num()}, '{g.ts()}')" for _ in range(6))
        + ";\n"
    )


def _css(g: _Rand) -> str:
    return (
        f".{g.word()}-{g.word()} {{\n  display: flex;\n  margin: {g.r.randint(0, 32)}px;\n"
        f"  color: #{g.hexn(6)};\n  background: url(/img/{g.hexn(8)}.png);\n}}\n"
    )


def _min(g: _Rand) -> str:
    return (
        f'{g.num()}:function(e,t,n){{"use strict";var r=n({g.num()}),o=n({g.num()});'
        f'const i={{id:"{g.uuid()}",hash:"{g.hexn(20)}",sha:"{g.hexn(40)}"}};'
        f't.{g.word()}=function(e){{return r.get("/api/{g.word()}",{{params:e,key:i.hash}})}}}},'
    )


TEMPLATES: dict[str, Callable[[_Rand], str]] = {
    "py": _py, "js": _js, "ts": _js, "go": _go, "java": _java, "yaml": _yaml, "json": _json,
    "md": _md, "log": _log, "csv": _csv, "sql": _sql, "css": _css, "min.js": _min,
}  # fmt: skip

# extension -> share of the ordinary (non-large) bytes
MIX = {
    "py": 16, "js": 12, "ts": 10, "go": 9, "java": 9, "yaml": 6, "json": 8, "md": 6,
    "log": 6, "csv": 4, "sql": 3, "css": 4, "min.js": 7,
}  # fmt: skip

DIRS = {
    "py": "src/{svc}/{w}", "js": "web/src/{w}", "ts": "web/src/{w}/components", "go": "pkg/{w}",
    "java": "src/main/java/com/acme/{w}", "yaml": "deploy/{w}", "json": "fixtures/{w}",
    "md": "docs/{w}", "log": "logs/{w}", "csv": "data/{w}", "sql": "db/{w}", "css": "web/styles",
    "min.js": "web/dist/{w}",
}  # fmt: skip


def _build_pool(g: _Rand, ext: str, n: int) -> list[bytes]:
    fn = TEMPLATES[ext]
    return [b"".join(fn(g).encode() for _ in range(g.r.randint(1, 4))) for _ in range(n)]


def _snippet(g: _Rand, ext: str) -> tuple[str, int]:
    """A planted credential in the syntax of `ext`; returns (text, number of values)."""
    rng = g.r
    sid, tok = new_account_sid(rng), new_auth_token(rng)
    choice = rng.randrange(6)
    if ext == "min.js":
        if choice == 0:
            key, sec = new_api_key_sid(rng), new_api_key_secret(rng)
            return (
                f'99998:function(e,t){{t.v={{accountSid:"{sid}",apiKey:"{key}",apiSecret:"{sec}"}}}},',
                3,
            )
        return f'99999:function(e,t){{t.sms={{accountSid:"{sid}",authToken:"{tok}"}}}},', 2
    if choice == 0:
        key, sec = new_api_key_sid(rng), new_api_key_secret(rng)
        text = {
            "py": f'\nclient = Client("{key}", "{sec}", "{sid}")\n',
            "yaml": f"\ntwilio:\n  account_sid: {sid}\n  api_key: {key}\n  api_secret: {sec}\n",
        }.get(ext, f'\nconst twilioClient = twilio("{key}", "{sec}", {{ accountSid: "{sid}" }});\n')
        return text, 3
    if choice == 1:
        return f'\nSENDGRID_API_KEY = "{new_sendgrid_key(rng)}"\n', 1
    if ext == "log":
        return f"\n{g.ts()} DEBUG [config] TWILIO_ACCOUNT_SID={sid} TWILIO_AUTH_TOKEN={tok}\n", 2
    if ext in ("yaml", "md"):
        return f"\ntwilio:\n  account_sid: {sid}\n  auth_token: {tok}\n", 2
    if ext == "py":
        return f'\nTWILIO_ACCOUNT_SID = "{sid}"\nTWILIO_AUTH_TOKEN = "{tok}"\n', 2
    if ext == "go":
        return (
            f'\nvar twilioParams = twilio.ClientParams{{Username: "{sid}", Password: "{tok}"}}\n',
            2,
        )
    if ext == "java":
        return f'\n        Twilio.init("{sid}", "{tok}");\n', 2
    return f"\nconst accountSid = '{sid}';\nconst authToken = '{tok}';\n", 2


def _file_size(g: _Rand) -> int:
    # log-normal around ~6 KB, clamped to [300 B, 400 KB]
    return int(min(max(math.exp(g.r.gauss(8.8, 1.1)), 300), 400_000))


def generate_tree(
    root: Path, size_mb: float = 300.0, seed: int = 0, planted: int = 300, quiet: bool = False
) -> TreeStats:
    start = time.perf_counter()
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    g = _Rand(seed)
    target = int(size_mb * MB)
    pools = {ext: _build_pool(g, ext, 120) for ext in TEMPLATES}

    # A few large files: logs, bundles, exports, fixtures (several MB each), ~25 % of bytes.
    large_kinds = [
        ("log", "logs/archive/{w}-{i}.log"),
        ("min.js", "web/dist/vendor.{h}.js"),
        ("csv", "data/exports/{w}-{i}.csv"),
        ("json", "fixtures/large/{w}-{i}.json"),
    ]
    large_budget = target // 4
    n_large = max(4, min(16, int(size_mb // 25)))
    plan: list[tuple[str, str, int]] = []
    for i in range(n_large):
        ext, pattern = large_kinds[i % len(large_kinds)]
        size = max(64 * 1024, min(large_budget // n_large, int(g.r.uniform(2, 9) * MB)))
        rel = pattern.format(w=g.word(), i=i, h=g.hexn(8))
        plan.append((rel, ext, size))
    # Binary assets (~4 % of bytes).
    bin_budget = target // 25
    binaries: list[tuple[str, int]] = []
    used = 0
    while used < bin_budget:
        size = min(int(math.exp(g.r.gauss(10.5, 1.2))), 2 * MB, bin_budget - used + 1)
        ext = g.r.choice(["png", "jpg", "woff2", "pdf"])
        binaries.append((f"assets/{g.word()}/{g.hexn(10)}.{ext}", size))
        used += size
    # Ordinary files for the rest.
    remaining = target - sum(s for _, _, s in plan) - used
    exts = list(MIX)
    weights = [MIX[e] for e in exts]
    n = 0
    while remaining > 0:
        ext = g.r.choices(exts, weights)[0]
        size = min(_file_size(g), remaining) if remaining > 300 else remaining
        svc = g.r.choice(SERVICES)
        d = DIRS[ext].format(svc=svc.replace("-", "_"), w=g.word())
        rel = f"services/{svc}/{d}/{g.ident()}_{n}.{ext}"
        plan.append((rel, ext, size))
        remaining -= size
        n += 1

    # Plant credentials in a few hundred text files (a couple in large files too).
    text_idx = [i for i, (_, ext, _) in enumerate(plan) if ext != "csv"]
    slots = set(g.r.sample(text_idx, min(len(text_idx), max(1, planted // 2))))
    slots.update(range(min(3, n_large)))
    planted_values = 0
    for i, (rel, ext, size) in enumerate(plan):
        pool = pools[ext]
        parts: list[bytes] = []
        total = 0
        while total < size:
            chunk = pool[g.r.randrange(len(pool))]
            parts.append(chunk)
            total += len(chunk)
        if i in slots:
            text, count = _snippet(g, ext)
            parts.insert(g.r.randrange(len(parts) + 1), text.encode())
            planted_values += count
        data = b"".join(parts)
        if i not in slots and len(data) > size:
            cut = data.rfind(b"\n", 0, size)
            data = data[: cut + 1] if cut > size // 2 else data[:size]
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    headers = {"png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff\xe0", "pdf": b"%PDF-1.7\n"}
    for rel, size in binaries:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        ext = rel.rsplit(".", 1)[1]
        path.write_bytes(headers.get(ext, b"wOF2") + g.r.randbytes(max(size - 8, 0)))

    files = len(plan) + len(binaries)
    nbytes = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and p.name != STAMP)
    stats = TreeStats(
        root=str(root),
        seed=seed,
        size_mb=size_mb,
        files=files,
        bytes=nbytes,
        planted=planted_values,
        large_files=n_large,
        seconds=time.perf_counter() - start,
    )
    (root / STAMP).write_text(
        json.dumps({"version": GENERATOR_VERSION, **asdict(stats)}, indent=2) + "\n"
    )
    if not quiet:
        print(
            f"generated {files} files, {nbytes / MB:.1f} MB ({planted_values} planted values, "
            f"{n_large} large files) in {stats.seconds:.1f}s -> {root}"
        )
    return stats


def load_stamp(root: Path) -> dict[str, object] | None:
    try:
        data = json.loads((Path(root) / STAMP).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, help="output directory (created)")
    ap.add_argument("--size-mb", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--planted", type=int, default=300, help="approximate credentials to plant")
    args = ap.parse_args(argv)
    if args.dir.exists() and any(args.dir.iterdir()):
        print(f"{args.dir} is not empty", file=sys.stderr)
        return 2
    generate_tree(args.dir, args.size_mb, args.seed, args.planted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
