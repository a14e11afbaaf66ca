#!/usr/bin/env python3
"""Generate a git repository shaped like a real project's history, for the history benchmark.

Thousands of commits editing a few files each (so every version is a new blob that git stores
as a delta, as in a real pack), source-like text, JSON fixtures full of 32-hex ids and hashes
(the content that makes a Twilio scanner work hardest), lock files, minified bundles, a few
binary assets, branches, merges and tags. A handful of credentials are planted in the hiding
places ``twscan history`` must find; the ground truth is written to ``<repo>/../truth.json``
(values hashed, never stored in clear).

    python bench/gen_repo.py /tmp/bench-repo --commits 3000 --size-mb 2000

Everything goes through ``git fast-import``, then one ``git repack -adf`` so the objects are
laid out as in a cloned repository. Deterministic for a given --seed (except the credentials,
which are fresh random values every time so none is ever a literal anywhere).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

WORDS = [
    "account",
    "message",
    "call",
    "client",
    "service",
    "request",
    "response",
    "number",
    "phone",
    "status",
    "price",
    "media",
    "queue",
    "conference",
    "recording",
    "transcription",
    "webhook",
    "callback",
    "event",
    "sync",
    "task",
    "worker",
    "flow",
    "execution",
    "step",
    "notification",
    "binding",
    "credential",
    "user",
    "role",
    "channel",
    "member",
    "invite",
    "session",
    "page",
    "list",
    "fetch",
    "create",
    "update",
    "delete",
    "stream",
    "params",
    "headers",
    "body",
    "version",
    "domain",
    "context",
    "instance",
    "payload",
    "options",
    "region",
    "edge",
    "timeout",
    "retry",
    "backoff",
    "cursor",
    "limit",
    "offset",
    "filter",
]
KEYWORDS = [
    "def",
    "class",
    "return",
    "if",
    "else",
    "for",
    "in",
    "while",
    "try",
    "except",
    "with",
    "as",
    "import",
    "from",
    "self",
]


def ident(rng: random.Random) -> str:
    return "_".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def code_line(rng: random.Random) -> str:
    k = rng.random()
    ind = "    " * rng.randint(0, 3)
    if k < 0.15:
        args = ", ".join(ident(rng) for _ in range(rng.randint(0, 4)))
        return f"{ind}def {ident(rng)}(self, {args}):"
    if k < 0.45:
        return f"{ind}{ident(rng)} = self.{ident(rng)}({ident(rng)}, {rng.randint(0, 999)})"
    if k < 0.6:
        return f'{ind}"""{" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))}."""'
    if k < 0.7:
        return f"{ind}{rng.choice(KEYWORDS)} {ident(rng)} {rng.choice(KEYWORDS)} {ident(rng)}:"
    if k < 0.8:
        return f"{ind}# {' '.join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))}"
    if k < 0.9:
        return f'{ind}return {{"{ident(rng)}": {ident(rng)}, "{ident(rng)}": "{ident(rng)}"}}'
    return ""


def fixture_line(rng: random.Random) -> str:
    """JSON like an API fixture: resource SIDs, hashes, dates - 32-hex runs everywhere."""
    prefix = rng.choice(["CA", "SM", "PN", "MM", "RE", "QU", "CF", "WS", "IS", "TR"])
    hexid = f"{rng.getrandbits(128):032x}"
    etag = hashlib.md5(hexid.encode()).hexdigest()  # noqa: S324 - content, not security
    return (
        f'  {{"sid": "{prefix}{hexid}", "etag": "{etag}", "{ident(rng)}": "{ident(rng)}", '
        f'"date_created": "2019-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z", '
        f'"uri": "/2010-04-01/{rng.choice(WORDS)}/{prefix}{hexid}.json"}},'
    )


def lock_line(rng: random.Random) -> str:
    digest = hashlib.sha512(rng.randbytes(16)).digest()
    import base64

    return (
        f'    "node_modules/{ident(rng)}": {{"version": "{rng.randint(0, 9)}.{rng.randint(0, 20)}'
        f'.{rng.randint(0, 9)}", "integrity": "sha512-{base64.b64encode(digest).decode()}"}},'
    )


def minified_line(rng: random.Random) -> str:
    parts = [f"function {ident(rng)}(a,b){{return a.{ident(rng)}(b)}}" for _ in range(40)]
    return ";".join(parts)


KINDS = {  # kind: (line maker, file suffix, share of files)
    "code": (code_line, ".py", 0.80),
    "fixture": (fixture_line, ".json", 0.10),
    "lock": (lock_line, ".lock", 0.04),
    "minified": (minified_line, ".min.js", 0.06),
}


class Gen:
    def __init__(self, args: argparse.Namespace) -> None:
        self.rng = random.Random(args.seed)
        self.args = args
        self.files: dict[str, tuple[str, list[str]]] = {}  # path -> (kind, lines)
        self.mark = 0
        self.truth: list[dict[str, object]] = []
        self.out = None
        self.when = 1_500_000_000
        self.bytes_written = 0
        self.pending_plants: dict[int, str] = {}

    # -- fast-import plumbing ------------------------------------------------------------
    def w(self, data: bytes | str) -> None:
        assert self.out is not None
        self.out.write(data.encode() if isinstance(data, str) else data)

    def blob(self, data: bytes) -> int:
        self.mark += 1
        self.w(f"blob\nmark :{self.mark}\ndata {len(data)}\n")
        self.w(data)
        self.w("\n")
        self.bytes_written += len(data)
        return self.mark

    def commit(
        self,
        ref: str,
        message: str,
        changes: list[str],
        parents: list[int],
    ) -> int:
        self.mark += 1
        self.when += self.rng.randint(60, 7200)
        who = f"Dev {self.rng.randint(1, 25)} <dev{self.rng.randint(1, 25)}@example.com>"
        msg = message.encode()
        self.w(f"commit {ref}\nmark :{self.mark}\n")
        self.w(f"author {who} {self.when} +0000\ncommitter {who} {self.when} +0000\n")
        self.w(f"data {len(msg)}\n")
        self.w(msg + b"\n")
        if parents:
            self.w(f"from :{parents[0]}\n")
            for p in parents[1:]:
                self.w(f"merge :{p}\n")
        for c in changes:
            self.w(c + "\n")
        return self.mark

    # -- content --------------------------------------------------------------------------
    def new_file(self) -> tuple[str, str, list[str]]:
        r = self.rng.random()
        acc = 0.0
        kind = "code"
        for k, (_, _, share) in KINDS.items():
            acc += share
            if r < acc:
                kind = k
                break
        maker, suffix, _ = KINDS[kind]
        path = f"{self.rng.choice(['src', 'lib', 'tests', 'app'])}/{ident(self.rng)}{suffix}"
        n = max(20, int(self.rng.lognormvariate(6.4, 0.7)))  # ~600 lines median
        if kind == "minified":
            n //= 10  # a bundle's lines are ~2.5 KB each
        return path, kind, [maker(self.rng) for _ in range(n)]

    def edit(self, kind: str, lines: list[str]) -> None:
        maker = KINDS[kind][0]
        for _ in range(self.rng.randint(1, 12)):
            i = self.rng.randrange(len(lines) + 1)
            op = self.rng.random()
            if op < 0.5 and lines:
                lines[min(i, len(lines) - 1)] = maker(self.rng)
            elif op < 0.85:
                for _ in range(self.rng.randint(1, 8)):
                    lines.insert(i, maker(self.rng))
            elif len(lines) > 30:
                del lines[i : i + self.rng.randint(1, 5)]

    def plant(self, where: str, value: str, path: str, commit_mark: int) -> None:
        self.truth.append(
            {
                "where": where,
                "path": path,
                "secret_sha256": hashlib.sha256(value.encode()).hexdigest(),
                "commit_mark": commit_mark,
            }
        )


def credentials() -> tuple[str, str]:
    return "AC" + secrets.token_hex(16), secrets.token_hex(16)


def generate(args: argparse.Namespace) -> None:
    repo = Path(args.repo)
    if repo.exists() and any(repo.iterdir()):
        sys.exit(f"{repo} exists and is not empty")
    repo.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    g = Gen(args)
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--depth=50", "--export-marks=.git/bench-marks"],
        cwd=repo,
        stdin=subprocess.PIPE,
    )
    g.out = proc.stdin
    target = args.size_mb * 1_000_000
    per_commit = target / args.commits
    heads = {"main": 0}
    plant_at = {
        int(args.commits * f): w
        for f, w in [
            (0.05, "removed-later"),
            (0.15, "deleted-file"),
            (0.25, "renamed-file"),
            (0.35, "commit-message"),
            (0.45, "binary-blob"),
            (0.55, "unmerged-branch"),
            (0.65, "tag-only"),
            (0.75, "merge-resolution"),
            (0.9, "still-in-head"),
        ]
    }
    started = time.time()
    for n in range(args.commits):
        changes: list[str] = []
        message = f"{ident(g.rng).replace('_', ' ')}: {' '.join(g.rng.choices(WORDS, k=6))}"
        # spread what is left of the target over the commits left (files grow as they are edited)
        budget = min(per_commit, (target - g.bytes_written) / (args.commits - n))
        while budget > 0:
            if not g.files or g.rng.random() < 0.08:
                path, kind, lines = g.new_file()
                g.files[path] = (kind, lines)
            else:
                path = g.rng.choice(list(g.files))
                kind, lines = g.files[path]
                g.edit(kind, lines)
            data = ("\n".join(lines) + "\n").encode()
            changes.append(f"M 100644 :{g.blob(data)} {path}")
            budget -= len(data)
        if g.rng.random() < 0.01 and len(g.files) > 50:
            gone = g.rng.choice(list(g.files))
            del g.files[gone]
            changes.append(f"D {gone}")
        if g.rng.random() < 0.02:  # a binary asset now and then
            data = g.rng.randbytes(g.rng.randint(20_000, 400_000))
            changes.append(f"M 100644 :{g.blob(data)} assets/img_{n}.png")
        where = plant_at.get(n)
        if where:
            plant(g, where, changes, heads)
        parent = [heads["main"]] if heads["main"] else []
        heads["main"] = g.commit("refs/heads/main", message, changes, parent)
        if n % 500 == 0:
            mb = g.bytes_written / 1e6
            print(f"  {n}/{args.commits} commits, {mb:,.0f} MB", file=sys.stderr)
    # a few tags and an unmerged feature branch of ordinary work
    g.w(f"reset refs/tags/v1.0\nfrom :{heads['main']}\n\n")
    assert proc.stdin is not None
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)
    print(f"  fast-import done in {time.time() - started:.0f} s; repacking", file=sys.stderr)
    subprocess.run(["git", "repack", "-adfq", "--window=10", "--depth=50"], cwd=repo, check=True)
    marks = dict(line.split() for line in (repo / ".git" / "bench-marks").read_text().splitlines())
    for t in g.truth:
        t["commit"] = marks[f":{t.pop('commit_mark')}"]
    truth = {"planted": g.truth, "blob_bytes_written": g.bytes_written, "commits": args.commits}
    (repo.parent / "truth.json").write_text(json.dumps(truth, indent=2))
    print(f"  done in {time.time() - started:.0f} s: {repo}", file=sys.stderr)


def plant(g: Gen, where: str, changes: list[str], heads: dict[str, int]) -> None:
    """Plant one credential pair in ``where`` (commits written here are real history too)."""
    account, tok = credentials()
    env = f"TWILIO_ACCOUNT_SID={account}\nTWILIO_AUTH_TOKEN={tok}\n".encode()
    base = heads["main"]

    def on_main(message: str, change: list[str], parents: list[int] | None = None) -> int:
        heads["main"] = g.commit("refs/heads/main", message, change, parents or [heads["main"]])
        return heads["main"]

    if where in ("removed-later", "deleted-file", "renamed-file", "still-in-head"):
        path = f"config/{where}.env"
        g.plant(where, tok, path, on_main(f"add {path}", [f"M 100644 :{g.blob(env)} {path}"]))
        if where == "removed-later":
            placeholder = g.blob(b"TWILIO_AUTH_TOKEN=${TOKEN}\n")
            on_main("use env", [f"M 100644 :{placeholder} {path}"])
        elif where == "deleted-file":
            on_main("drop it", [f"D {path}"])
        elif where == "renamed-file":
            on_main("move it", [f"R {path} config/moved.env"])
    elif where == "commit-message":
        notes = g.blob(b"# notes\n")
        c = on_main(f"debug with -u {account}:{tok}", [f"M 100644 :{notes} NOTES.md"])
        g.plant(where, tok, "<commit message>", c)
    elif where == "binary-blob":
        path = "assets/bundle.bin"
        data = g.rng.randbytes(50_000) + b"\0" + env + g.rng.randbytes(50_000)
        g.plant(where, tok, path, on_main("asset", [f"M 100644 :{g.blob(data)} {path}"]))
    elif where in ("unmerged-branch", "tag-only"):
        path = f"config/{where}.env"
        ref = "refs/heads/experiment" if where == "unmerged-branch" else "refs/tags/only-tag"
        c = g.commit(ref, f"try {where}", [f"M 100644 :{g.blob(env)} {path}"], [base])
        g.plant(where, tok, path, c)
    elif where == "merge-resolution":
        side_blob, main_blob = g.blob(b"side = 1\n"), g.blob(b"main = 1\n")
        side = g.commit("refs/heads/side", "side", [f"M 100644 :{side_blob} merge.cfg"], [base])
        main = on_main("main", [f"M 100644 :{main_blob} merge.cfg"])
        resolved = g.blob(b"main = 1\nside = 1\n" + env)
        c = on_main("merge side", [f"M 100644 :{resolved} merge.cfg"], [main, side])
        g.plant(where, tok, "merge.cfg", c)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("repo")
    ap.add_argument("--commits", type=int, default=3000)
    ap.add_argument("--size-mb", type=int, default=2000, help="blob content to write, in MB")
    ap.add_argument("--seed", type=int, default=4)
    generate(ap.parse_args())


if __name__ == "__main__":
    main()
