"""``twscan report --db FILE``: the audit datastore as text, JSON, SARIF or HTML.

``twscan audit`` writes the same report at its end; this command renders it again, in another
format, without auditing anything. Exit status: 0 no findings, 1 findings, 2 error.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from twscan.core.errors import TwscanError

if TYPE_CHECKING:
    from twscan.store.db import Store

FORMATS = ("text", "json", "sarif", "html")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "report",
        help="render an audit datastore (text, json, sarif, html)",
        description="Render what an audit datastore holds: every incident (one per distinct "
        "secret, with every repository and path that held it), ordered by risk. Values are "
        "redacted unless the datastore was made with --store-secrets and --show-secrets is "
        "given. Exit status: 0 no findings, 1 findings, 2 error.",
    )
    p.add_argument("--db", required=True, metavar="FILE", help="the datastore")
    p.add_argument("-f", "--format", choices=FORMATS, default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    p.add_argument("--lang", choices=("en", "ja"), help="report language (default: from locale)")
    p.add_argument(
        "--show-secrets",
        action="store_true",
        help="raw values, where the datastore holds them (--store-secrets)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from twscan.store.db import Store

    with Store(args.db, create=False) as store:
        doc = write_report(args, store)
    return 1 if doc["summary"]["findings"] else 0


def write_report(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """Render the datastore in ``args.format`` to ``args.output`` (or stdout); the document."""
    from twscan.commands.common import write_output
    from twscan.core.messages import detect_lang
    from twscan.reports import audit

    fmt = getattr(args, "format", "text") or "text"
    if fmt not in FORMATS:
        raise TwscanError(f"--format {fmt} is not available for an audit (text, json, sarif, html)")
    doc = audit.document(store, show_secrets=bool(getattr(args, "show_secrets", False)))
    lang = detect_lang(getattr(args, "lang", None))
    if fmt == "json":
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "sarif":
        text = json.dumps(audit.render_sarif(doc), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        from twscan.reports.html import render

        text = render(doc, lang=lang)
    else:
        text = audit.render_text(doc, lang)
    write_output(text, getattr(args, "output", None), fmt)
    return doc
