"""The audit report as one HTML file a security engineer can open anywhere, even offline.

The file is self-contained (inline CSS, JS and SVG, nothing fetched) and carries a Content
Security Policy that forbids every load, so a mistake here, or a hostile name that slipped
through, still cannot make the browser contact anyone. Everything shown comes from the
``twscan report --format json`` document, and most of it (repository names, paths, authors,
commit metadata) is written by whoever controls a scanned repository: every value is passed
through :func:`twscan.core.safeio.clean` (bidi overrides and line separators become visible
escapes) and HTML-escaped, and the data handed to the script is JSON with ``<``, ``>`` and
``&`` escaped, so no value can end its ``<script>`` block.

The rows are written here, in risk order, so the report reads without JavaScript; the script
only filters, sorts, expands a row (building its places lazily, so five thousand incidents
cost five thousand rows, not every place of every one) and switches the language, with both
languages' sentences from the message catalogue embedded.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from html import escape
from typing import Any

from twscan.core.messages import CATALOGUE, EN, Messages
from twscan.core.redact import redact
from twscan.core.safeio import clean
from twscan.reports.audit import SEVERITY_RANK, risk, tier

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
)

_SEVERITIES = ("critical", "high", "medium", "low")
# Risk tiers, most urgent first: a credential Twilio accepts, one anyone can find on GitHub,
# one anyone with the code has, one only the history holds.
_TIERS = ("live", "exposed", "in_head", "history")
_REDACTED = re.compile(r"^(?:.{0,4}\u2026.{0,4}|\**)$", re.S)
_MONTH = re.compile(r"^(\d{4})-(\d{2})")
_GITHUB = re.compile(r"^https://github\.com/[A-Za-z0-9._/-]+$")
# Months shown one bar each up to this span; a longer one is drawn one bar per year.
_MAX_MONTHS = 240
# (sort key, label, width %): the widths fix the table's layout, so the browser lays out
# rows as they come instead of measuring every cell of thousands of rows first.
_COLUMNS = (
    ("i", "html.col.risk", 4),
    ("s", "html.col.severity", 7),
    ("k", "html.col.kind", 12),
    ("v", "html.col.value", 8),
    ("n", "html.col.places", 5),
    ("r", "html.col.repos", 5),
    ("fr", "html.col.repo", 12),
    ("fp", "html.col.path", 13),
    ("fc", "html.col.commit", 6),
    ("fa", "html.col.author", 9),
    ("t", "html.col.date", 9),
    ("st", "html.col.state", 10),
)
# Rows shown at first (and per "show more"): the rest are in the file but hidden, which costs
# the browser no layout; five thousand laid-out rows take seconds to appear.
PAGE = 200


def _s(value: object) -> str:
    """A document value as display text: one line, every character visible, nothing that
    can drive a terminal or reorder the text around it."""
    if value is None:
        return ""
    return clean(value)


def _h(value: object) -> str:
    return escape(_s(value), quote=True)


def _secret(value: object) -> str:
    """The document's value, which is always redacted; one that does not look redacted (a
    document written by something else, or by hand) is redacted here rather than shown."""
    s = _s(value)
    return s if _REDACTED.match(s) else redact(s)


def risk_order(incidents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Live, then publicly exposed, then still in HEAD, then history-only; the most severe
    first within each; otherwise the document's order (``sorted`` is stable)."""
    return sorted(incidents, key=risk)


def _epoch(date: object) -> float | None:
    if not isinstance(date, str):
        return None
    try:
        return datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp()
    except (ValueError, OverflowError, OSError):
        return None


def _dict(v: object) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _list(v: object) -> list[Any]:
    return v if isinstance(v, list) else []


def _int(v: object) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _t(msg: Messages, key: str, tag: str = "span", cls: str = "", **args: object) -> str:
    """A translatable element: the script swaps its text when the language changes."""
    a = f' data-a="{escape(json.dumps(args))}"' if args else ""
    c = f' class="{cls}"' if cls else ""
    return f'<{tag}{c} data-k="{escape(key)}"{a}>{escape(msg(key, **args))}</{tag}>'


def _json_for_script(data: object) -> str:
    """JSON that cannot end or confuse the ``<script>`` block holding it."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _summary(doc: dict[str, Any], incidents: list[dict[str, Any]], msg: Messages) -> str:
    s = _dict(doc.get("summary"))
    repos = _list(doc.get("repositories"))
    cards = [
        ("repositories", _int(s.get("repositories", len(repos))), ""),
        ("failed", _int(s.get("failed")), "bad" if _int(s.get("failed")) else ""),
        ("incidents", _int(s.get("incidents", len(incidents))), ""),
        ("findings", _int(s.get("findings")), ""),
        ("new", _int(s.get("new")), ""),
        ("live", sum(1 for i in incidents if i.get("live") == "live"), "bad"),
        ("exposed", sum(1 for i in incidents if i.get("exposed") is True), "bad"),
    ]
    out = ['<section class="cards" id="summary">']
    for key, n, cls in cards:
        cls = cls if n else ""
        out.append(
            f'<div class="card {cls}" id="sum-{key}"><b>{n}</b>'
            f"{_t(msg, f'html.sum.{key}')}</div>"
        )
    out.append("</section>")
    return "".join(out)


def _repositories(doc: dict[str, Any], msg: Messages) -> str:
    repos = [_dict(r) for r in _list(doc.get("repositories"))]
    out = [f'<section id="repositories"><h2>{_t(msg, "html.repos.heading")}</h2>']
    if not repos:
        out.append(f"<p>{_t(msg, 'html.repos.none')}</p></section>")
        return "".join(out)
    heads = ("name", "status", "error", "findings", "incidents", "scanned")
    out.append('<table class="repos"><thead><tr>')
    out.extend(f"<th>{_t(msg, f'html.repos.{h}')}</th>" for h in heads)
    out.append("</tr></thead><tbody>")
    # Failed repositories first: each one is a hole in the audit to fix before trusting it.
    repos.sort(key=lambda r: (r.get("status") != "failed", _s(r.get("name"))))
    for r in repos:
        failed = r.get("status") == "failed"
        name = _h(r.get("name"))
        url = r.get("url")
        if isinstance(url, str) and _GITHUB.match(url):
            page = url[:-4] if url.endswith(".git") else url  # the clone URL's web page
            name = f'<a href="{escape(page)}" rel="noopener noreferrer">{name}</a>'
        elif url:
            name = f'<span title="{_h(url)}">{name}</span>'
        status = "failed" if failed else "ok"
        out.append(
            f'<tr class="{"failed" if failed else "ok"}"><td>{name}</td>'
            f"<td>{_t(msg, f'html.status.{status}', cls=f'badge {status}')}</td>"
            f"<td>{_h(r.get('error'))}</td>"
            f'<td class="num">{_int(r.get("findings"))}</td>'
            f'<td class="num">{_int(r.get("incidents"))}</td>'
            f"<td>{_h(r.get('last_scanned'))}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _timeline(incidents: list[dict[str, Any]], msg: Messages) -> str:
    months: Counter[tuple[int, int]] = Counter()
    undated = 0
    for inc in incidents:
        m = _MONTH.match(str(_dict(inc.get("first")).get("date") or ""))
        if m and 1 <= int(m.group(2)) <= 12:
            months[(int(m.group(1)), int(m.group(2)))] += 1
        else:
            undated += 1
    out = [f'<section id="timeline"><h2>{_t(msg, "html.timeline.heading")}</h2>']
    if not months:
        out.append(f"<p>{_t(msg, 'html.timeline.none')}</p>")
    else:
        lo, hi = min(months), max(months)
        span = (hi[0] - lo[0]) * 12 + hi[1] - lo[1] + 1
        bars: list[tuple[str, int]]
        if span <= _MAX_MONTHS:
            bars = []
            for k in range(span):
                y, mo = divmod(lo[0] * 12 + lo[1] - 1 + k, 12)
                bars.append((f"{y:04d}-{mo + 1:02d}", months.get((y, mo + 1), 0)))
        else:  # decades apart (or a forged date): one bar per year that has any
            years: Counter[int] = Counter()
            for (y, _), n in months.items():
                years[y] += n
            bars = [(f"{y:04d}", years[y]) for y in sorted(years)]
        out.append(_svg(bars))
    if undated:
        out.append(f"<p>{_t(msg, 'html.timeline.undated', count=undated)}</p>")
    out.append("</section>")
    return "".join(out)


def _svg(bars: list[tuple[str, int]]) -> str:
    top = max(n for _, n in bars) or 1
    bw, gap, h, pad, foot = 16, 4, 140, 30, 34
    width = pad + len(bars) * (bw + gap) + 10
    step = -(-60 // (bw + gap))  # a label every 60 px or more, so they never overlap
    out = [
        f'<svg class="timeline" role="img" '
        f'width="{width}" height="{h + foot + 10}" viewBox="0 0 {width} {h + foot + 10}">',
        f'<line x1="{pad}" y1="{h + 5}" x2="{width - 5}" y2="{h + 5}" class="axis"/>',
        f'<text x="{pad - 4}" y="15" class="lbl" text-anchor="end">{top}</text>',
        f'<text x="{pad - 4}" y="{h + 5}" class="lbl" text-anchor="end">0</text>',
    ]
    for k, (label, n) in enumerate(bars):
        x = pad + k * (bw + gap) + gap
        bh = round(n / top * (h - 10))
        out.append(
            f'<rect class="bar" data-month="{label}" data-count="{n}" x="{x}" '
            f'y="{h + 5 - bh}" width="{bw}" height="{bh}"><title>{label}: {n}</title></rect>'
        )
        if k % step == 0:
            out.append(
                f'<text x="{x + bw / 2}" y="{h + 20}" class="lbl" '
                f'text-anchor="middle">{label}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def _badges(inc: dict[str, Any], msg: Messages) -> str:
    out = []
    if inc.get("live") == "live":
        out.append(_t(msg, "html.state.live", cls="badge live"))
    elif inc.get("live") == "invalid":
        out.append(_t(msg, "html.state.invalid", cls="badge invalid"))
    if inc.get("exposed") is True:
        out.append(_t(msg, "html.state.exposed", cls="badge exposed"))
    if inc.get("in_head") is True:
        out.append(_t(msg, "html.state.in_head", cls="badge head"))
    else:
        out.append(_t(msg, "html.state.history", cls="badge history"))
    if inc.get("new") is True:
        out.append(_t(msg, "html.state.new", cls="badge new"))
    return " ".join(out)


def _incidents(
    incidents: list[dict[str, Any]], doc: dict[str, Any], msg: Messages
) -> tuple[str, list[dict[str, Any]]]:
    """The incidents table in risk order, and the rows' data for the script."""
    data: list[dict[str, Any]] = []
    out = [f'<section id="incidents"><h2>{_t(msg, "html.inc.heading")}</h2>']
    if not incidents:
        n = _int(_dict(doc.get("summary")).get("repositories", len(_list(doc.get("repositories")))))
        out.append(f"<p>{_t(msg, 'html.inc.none', tag='span', cls='none', repos=n)}</p>")
        out.append("</section>")
        return "".join(out), data
    out.append('<div class="filters" id="filters">')
    out.append(
        f'<input type="search" id="f-text" data-kp="html.filter.text" '
        f'placeholder="{escape(msg("html.filter.text"))}">'
    )
    out.append(f'<fieldset><legend>{_t(msg, "html.filter.severity")}</legend>')
    for sev in _SEVERITIES:
        out.append(
            f'<label><input type="checkbox" class="f-sev" value="{sev}" checked> '
            f"{_t(msg, f'severity.{sev}')}</label>"
        )
    out.append(f'</fieldset><fieldset><legend>{_t(msg, "html.filter.state")}</legend>')
    for k, name in enumerate(_TIERS):
        out.append(
            f'<label><input type="checkbox" class="f-tier" value="{k}" checked> '
            f"{_t(msg, f'html.state.{name}')}</label>"
        )
    out.append(
        f'<label><input type="checkbox" id="f-new"> {_t(msg, "html.filter.new_only")}</label>'
    )
    out.append("</fieldset>")
    out.append(
        f'<p id="shown">{_t(msg, "html.inc.shown", shown=len(incidents), total=len(incidents))}'
        f"</p></div>"
    )
    out.append('<table class="inc" id="inc-table"><colgroup>')
    out.extend(f'<col style="width:{w}%">' for _, _, w in _COLUMNS)
    out.append("</colgroup><thead><tr>")
    for key, label, _ in _COLUMNS:
        if key == "st":
            out.append(f"<th>{_t(msg, label)}</th>")
        else:
            out.append(
                f'<th aria-sort="none"><button type="button" class="sort" data-sort="{key}">'
                f"{_t(msg, label)}</button></th>"
            )
    out.append('</tr></thead><tbody id="inc-body">')
    for idx, inc in enumerate(incidents):
        first = _dict(inc.get("first"))
        places = [_dict(p) for p in _list(inc.get("places"))]
        sev = str(inc.get("severity"))
        sev = sev if sev in SEVERITY_RANK else "low"
        kind = _s(inc.get("kind"))
        secret_kind = _s(inc.get("secret_kind"))
        kind_key = f"kind.{kind}" if f"kind.{kind}" in EN else ""
        repos = {_s(p.get("repo")) for p in places} or {_s(first.get("repo"))}
        value = _secret(inc.get("secret"))
        commit = _s(first.get("commit"))[:7]
        search = [kind, secret_kind, _s(inc.get("title"))]
        search += [CATALOGUE[lang].get(kind_key, "") for lang in CATALOGUE if kind_key]
        search += [_s(first.get("repo")), _s(first.get("path"))]
        for p in places:
            search += [_s(p.get("repo")), _s(p.get("path"))]
        tier_no = tier(inc)
        new = inc.get("new") is True
        data.append(
            {
                "i": idx,
                "s": SEVERITY_RANK[sev],
                "sv": sev,
                "k": kind,
                "v": value,
                "n": len(places),
                "r": len(repos),
                "fr": _s(first.get("repo")),
                "fp": _s(first.get("path")),
                "fc": commit,
                "fa": _s(first.get("author")),
                "t": _epoch(first.get("date")),
                "tier": tier_no,
                "nw": new,
                "q": "\n".join(search).lower(),
                "m": Messages().remediation_key(kind, secret_kind or None),
                "p": [
                    [
                        _s(p.get("repo")),
                        _s(p.get("path")),
                        _s(p.get("commit"))[:7],
                        _s(p.get("author")),
                        _s(p.get("date")),
                        p.get("in_head") is True,
                    ]
                    for p in places
                ],
            }
        )
        kind_html = _t(msg, kind_key) if kind_key else escape(kind)
        out.append(
            f'<tr class="inc sev-{sev}" data-i="{idx}" data-id="{_h(inc.get("id"))}"'
            f'{" hidden" if idx >= PAGE else ""}>'
            f'<td><button type="button" class="x" aria-expanded="false" data-kt="html.expand"'
            f' title="{escape(msg("html.expand"))}">&#9656;</button> {idx + 1}</td>'
            f"<td>{_t(msg, f'severity.{sev}', cls=f'sev {sev}')}</td>"
            f'<td>{kind_html}<div class="sub">{_h(inc.get("title"))}</div></td>'
            f"<td><code>{escape(value)}</code></td>"
            f'<td class="num">{len(places)}</td><td class="num">{len(repos)}</td>'
            f"<td>{_h(first.get('repo'))}</td><td>{_h(first.get('path'))}</td>"
            f"<td><code>{escape(commit)}</code></td><td>{_h(first.get('author'))}</td>"
            f"<td>{_h(first.get('date'))}</td><td>{_badges(inc, msg)}</td></tr>"
        )
    out.append("</tbody></table>")
    out.append(f'<p id="nomatch" hidden>{_t(msg, "html.inc.nomatch")}</p>')
    more = len(incidents) - PAGE
    out.append(
        f'<p id="paging"{"" if more > 0 else " hidden"}>'
        f'{_t(msg, "html.inc.page", limit=PAGE)} '
        f'<button type="button" id="more">{_t(msg, "html.inc.more", count=min(more, PAGE))}'
        f'</button> <button type="button" id="all">'
        f'{_t(msg, "html.inc.all", count=len(incidents))}</button></p></section>'
    )
    return "".join(out), data


def render(doc: dict[str, Any], *, lang: str = "en") -> str:
    msg = Messages(lang)
    incidents = risk_order([_dict(i) for i in _list(doc.get("incidents"))])
    inc_html, rows = _incidents(incidents, doc, msg)
    keys = [k for k in EN if k.split(".", 1)[0] in ("html", "kind", "severity", "remediation")]
    keys.append("report.what_to_do")
    i18n = {code: {k: Messages(code)(k) for k in keys} for code in CATALOGUE}
    data = {"lang": msg.lang, "i18n": i18n, "incidents": rows, "ncol": len(_COLUMNS), "page": PAGE}
    tool = _dict(doc.get("tool"))
    langs = "".join(
        f'<button type="button" class="lang" data-lang="{code}" '
        f'aria-pressed="{"true" if code == msg.lang else "false"}">{label}</button>'
        for code, label in (("en", "English"), ("ja", "日本語"))
    )
    return "".join(
        [
            f'<!DOCTYPE html>\n<html lang="{msg.lang}"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<link rel="icon" href="data:,">',
            # Without scripts, nothing could show the rows past the first page: show them all.
            "<noscript><style>#inc-body tr.inc[hidden]{display:table-row}#paging{display:none}"
            "</style></noscript>",
            f"<title>{escape(msg('html.title'))}</title><style>{_CSS}</style></head><body>",
            f'<header><h1>{_t(msg, "html.title")}</h1><div class="langs">'
            f'{_t(msg, "html.lang")}: {langs}</div>',
            "<p>",
            _t(
                msg,
                "html.generated",
                date=_s(doc.get("generated")),
                version=_s(tool.get("version")),
            ),
            f" {_t(msg, 'html.redacted')}</p></header><main>",
            _summary(doc, incidents, msg),
            _repositories(doc, msg),
            _timeline(incidents, msg),
            inc_html,
            '</main><script type="application/json" id="twscan-data">',
            _json_for_script(data),
            f"</script><script>{_JS}</script></body></html>\n",
        ]
    )


_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;
background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:12px 20px}header h1{margin:0 0 4px;font-size:20px}
header p{margin:0;color:#c8ccd6}.langs{float:right}
.lang{margin-left:4px;background:#39414f;color:#fff;border:1px solid #59616f;border-radius:4px;
cursor:pointer}.lang[aria-pressed=true]{background:#f22f46;border-color:#f22f46}
main{padding:10px 20px}h2{font-size:16px;margin:18px 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #d8dbe2;
border-radius:6px;padding:8px 14px;min-width:90px}.card b{display:block;font-size:22px}
.card.bad b{color:#c41230}
table{border-collapse:collapse;background:#fff;width:100%}table.inc{table-layout:fixed}
th,td{border-bottom:1px solid #e3e5ea;padding:4px 6px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}th{background:#eceef2;font-weight:600}
td.num{text-align:right}code{font:12px ui-monospace,Menlo,Consolas,monospace}
.sub{color:#667;font-size:12px}
button.sort{font:inherit;font-weight:600;background:none;border:0;cursor:pointer;padding:0;
text-align:left}
th[aria-sort=ascending] button.sort::after{content:" \\25B2"}
th[aria-sort=descending] button.sort::after{content:" \\25BC"}
button.x{background:none;border:1px solid #c8ccd6;border-radius:3px;cursor:pointer;width:22px}
button.x[aria-expanded=true]{transform:rotate(90deg)}
.badge,.sev{display:inline-block;border-radius:3px;padding:0 5px;font-size:12px;margin:1px 0;
background:#e3e5ea}.sev.critical{background:#c41230;color:#fff}.sev.high{background:#e8590c;
color:#fff}.sev.medium{background:#f2c94c}.sev.low{background:#cfe3f7}
.badge.live{background:#c41230;color:#fff}.badge.exposed{background:#e8590c;color:#fff}
.badge.head{background:#f2c94c}.badge.new{background:#2f80ed;color:#fff}
.badge.failed{background:#c41230;color:#fff}.badge.ok{background:#c7ecd2}
tr.failed td{background:#fff1f2}
tr.det>td{background:#fafbfc;padding:8px 14px 12px 40px}
.rem{white-space:pre-line;max-width:60em}
table.places{width:auto;margin-bottom:6px}table.places th{background:#f0f1f4}
.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin-bottom:8px}
.filters fieldset{border:1px solid #d8dbe2;border-radius:4px;padding:2px 8px;margin:0}
.filters legend{font-size:12px;color:#667}#f-text{min-width:22em;padding:4px}
#shown{margin:0;color:#445}
svg.timeline{background:#fff;border:1px solid #d8dbe2;border-radius:6px;max-width:100%}
svg .bar{fill:#f22f46}svg .axis{stroke:#889}svg .lbl{font-size:10px;fill:#445}
"""

_JS = r"""
(function(){
"use strict";
var D=JSON.parse(document.getElementById("twscan-data").textContent);
var I18N=D.i18n,lang=D.lang,NCOL=D.ncol;
function fmt(s,a){return a?s.replace(/\{(\w+)\}/g,function(m,k){
  return Object.prototype.hasOwnProperty.call(a,k)?String(a[k]):m;}):s;}
function T(k,a){var t=(I18N[lang]&&I18N[lang][k])||I18N.en[k]||k;return fmt(t,a);}
function setT(e){var a=e.getAttribute("data-a");
  e.textContent=T(e.getAttribute("data-k"),a?JSON.parse(a):null);}
function tEl(tag,k,a,cls){var e=document.createElement(tag);e.setAttribute("data-k",k);
  if(a)e.setAttribute("data-a",JSON.stringify(a));if(cls)e.className=cls;setT(e);return e;}
function applyLang(l){
  lang=I18N[l]?l:"en";document.documentElement.lang=lang;
  var i,els=document.querySelectorAll("[data-k]");
  for(i=0;i<els.length;i++)setT(els[i]);
  els=document.querySelectorAll("[data-kp]");
  for(i=0;i<els.length;i++)els[i].placeholder=T(els[i].getAttribute("data-kp"));
  els=document.querySelectorAll("[data-kt]");
  for(i=0;i<els.length;i++)els[i].title=T(els[i].getAttribute("data-kt"));
  els=document.querySelectorAll("button.lang");
  for(i=0;i<els.length;i++)els[i].setAttribute("aria-pressed",
    els[i].getAttribute("data-lang")===lang?"true":"false");
  document.title=T("html.title");
}
var langs=document.querySelectorAll("button.lang");
for(var li=0;li<langs.length;li++)langs[li].addEventListener("click",function(ev){
  applyLang(ev.currentTarget.getAttribute("data-lang"));});

var tbody=document.getElementById("inc-body");
if(!tbody)return;
var R=[],trs=tbody.querySelectorAll("tr.inc"),byI={};
for(var ri=0;ri<trs.length;ri++){
  var d=D.incidents[+trs[ri].getAttribute("data-i")];
  var r={tr:trs[ri],d:d,det:null,open:false};R.push(r);byI[d.i]=r;}

function cell(row,text,tag){var c=document.createElement(tag||"td");c.textContent=text;
  row.appendChild(c);return c;}
function detail(r){
  var tr=document.createElement("tr");tr.className="det";
  var td=document.createElement("td");td.colSpan=NCOL;tr.appendChild(td);
  td.appendChild(tEl("h4","html.places.heading",{count:r.d.p.length}));
  var t=document.createElement("table");t.className="places";
  var h=document.createElement("tr");
  ["html.col.repo","html.col.path","html.col.commit","html.col.author","html.col.date",
   "html.col.head"].forEach(function(k){var th=document.createElement("th");
     th.appendChild(tEl("span",k));h.appendChild(th);});
  var head=document.createElement("thead");head.appendChild(h);t.appendChild(head);
  var b=document.createElement("tbody");
  for(var i=0;i<r.d.p.length;i++){var p=r.d.p[i],row=document.createElement("tr");
    cell(row,p[0]);cell(row,p[1]);
    var c=document.createElement("td"),code=document.createElement("code");
    code.textContent=p[2];c.appendChild(code);row.appendChild(c);
    cell(row,p[3]);cell(row,p[4]);
    var y=document.createElement("td");y.appendChild(tEl("span",p[5]?"html.yes":"html.no"));
    row.appendChild(y);b.appendChild(row);}
  t.appendChild(b);td.appendChild(t);
  td.appendChild(tEl("h4","report.what_to_do"));
  td.appendChild(tEl("div","remediation."+r.d.m,null,"rem"));
  return tr;
}
tbody.addEventListener("click",function(ev){
  var btn=ev.target.closest("button.x");if(!btn)return;
  var r=byI[+btn.closest("tr").getAttribute("data-i")];
  r.open=!r.open;btn.setAttribute("aria-expanded",r.open?"true":"false");
  if(r.open&&!r.det){r.det=detail(r);r.tr.after(r.det);}
  if(r.det)r.det.hidden=!r.open||r.tr.hidden;
});

var q=document.getElementById("f-text"),nw=document.getElementById("f-new");
var sevs=document.querySelectorAll("input.f-sev"),tiers=document.querySelectorAll("input.f-tier");
var shown=document.getElementById("shown").firstElementChild;
var nomatch=document.getElementById("nomatch");
var limit=D.page,paging=document.getElementById("paging");
var more=document.getElementById("more").firstElementChild;
var all=document.getElementById("all").firstElementChild;
function apply(){
  var s=q.value.trim().toLowerCase(),sv={},ti={},only=nw.checked,n=0,i;
  for(i=0;i<sevs.length;i++)sv[sevs[i].value]=sevs[i].checked;
  for(i=0;i<tiers.length;i++)ti[tiers[i].value]=tiers[i].checked;
  for(i=0;i<R.length;i++){var r=R[i],d=r.d;
    var ok=sv[d.sv]&&ti[d.tier]&&(!only||d.nw)&&(!s||d.q.indexOf(s)>=0);
    if(ok)n++;
    var hide=!ok||n>limit;
    if(r.tr.hidden!==hide)r.tr.hidden=hide;
    if(r.det)r.det.hidden=hide||!r.open;}
  shown.setAttribute("data-a",JSON.stringify({shown:n,total:R.length}));setT(shown);
  nomatch.hidden=n>0;
  paging.hidden=n<=limit;
  more.setAttribute("data-a",JSON.stringify({count:Math.min(n-limit,D.page)}));setT(more);
  all.setAttribute("data-a",JSON.stringify({count:n}));setT(all);
}
function filter(){limit=D.page;apply();}
document.getElementById("more").addEventListener("click",function(){limit+=D.page;apply();});
document.getElementById("all").addEventListener("click",function(){limit=R.length;apply();});
q.addEventListener("input",filter);nw.addEventListener("change",filter);
for(var fi=0;fi<sevs.length;fi++)sevs[fi].addEventListener("change",filter);
for(fi=0;fi<tiers.length;fi++)tiers[fi].addEventListener("change",filter);

var cur=null,dir=1;
function sortBy(key){
  if(cur===key)dir=-dir;else{cur=key;dir=1;}
  R.sort(function(a,b){var x=a.d[key],y=b.d[key];
    if(x===y||(x==null&&y==null))return a.d.i-b.d.i;
    if(x==null)return 1;if(y==null)return -1;
    return (x<y?-1:1)*dir;});
  var f=document.createDocumentFragment();
  for(var i=0;i<R.length;i++){f.appendChild(R[i].tr);if(R[i].det)f.appendChild(R[i].det);}
  tbody.appendChild(f);
  apply();
  var bs=document.querySelectorAll("button.sort");
  for(i=0;i<bs.length;i++)bs[i].parentNode.setAttribute("aria-sort",
    bs[i].getAttribute("data-sort")!==key?"none":dir>0?"ascending":"descending");
}
var sorts=document.querySelectorAll("button.sort");
for(var si=0;si<sorts.length;si++)sorts[si].addEventListener("click",function(ev){
  sortBy(ev.currentTarget.getAttribute("data-sort"));});
})();
"""
