"""The plan and what was done, as text for a person and as JSON for a pipeline.

Values shown are identifiers (Account, key and trigger SIDs, country codes) and URLs; no token
or key secret is ever part of a plan, so neither form can leak one.
"""

from __future__ import annotations

from typing import Any

from twscan.core.safeio import clean
from twscan.response.execute import Outcome
from twscan.response.plan import Plan, Step

_MARK = {
    "pending": "[ ]",
    "done": "[x]",
    "nothing-to-do": "[-]",
    "not-selected": "[ ]",
    "manual": "[ ]",
    "failed": "[!]",
}


def text(plan: Plan, outcome: Outcome | None = None, *, execute: bool = False) -> str:
    s = plan.survey
    lines = [
        f"Twilio account-takeover response for {s.main}",
        f"acting as {s.acting.user} ({'API key' if s.acting.is_key else 'Auth Token'}), "
        f"Twilio API base: {_base(plan.base)}",
        "accounts: "
        + ", ".join(
            f"{a.sid} ({clean(a.account.friendly_name)}, {'chosen' if a.chosen else 'not chosen'})"
            for a in s.accounts
        ),
        "",
    ]
    heading = None
    for step in plan.steps:
        if step.checklist != heading:
            heading = step.checklist
            lines.append(heading)
        lines.extend(_step(step, execute))
    if plan.notes:
        lines.append("")
        lines.append("Not acted on:")
        lines.extend(f"  {clean(n)}" for n in plan.notes)
    if not execute:
        selected = plan.automatic()
        lines.append("")
        lines.append(
            f"Plan only: nothing was changed. {len(selected)} automatic step(s) selected; "
            "--execute performs them after a confirmation."
            if selected
            else "Plan only: nothing was changed. Select steps with --execute and the options "
            "shown."
        )
    if outcome is not None:
        lines.append("")
        lines.extend(outcome_lines(outcome, plan))
    return "\n".join(lines) + "\n"


def _base(base: str) -> str:
    if base == "https://api.twilio.com":
        return "Twilio's own hosts (api, voice, accounts .twilio.com)"
    return f"{base} (--twilio-api-base, for every Twilio host)"


def _step(step: Step, execute: bool) -> list[str]:
    mark = _MARK.get(step.status, "[ ]")
    if step.mode == "manual":
        tag = "manual, done" if step.status == "done" else "manual"
    elif step.status == "done":
        tag = "done"
    elif step.selected:
        tag = "automatic, will run" if execute else "automatic, selected"
    elif step.status == "nothing-to-do":
        tag = "nothing to do"
    else:
        tag = f"automatic, needs {step.option}" if step.option else "automatic, not selected"
    out = [f"  {mark} {clean(step.title)}  ({tag})"]
    if step.mode == "automatic" and step.status in ("pending", "not-selected") and step.calls:
        out.extend(f"      {c.method} {c.url}" for c in step.calls)
    out.extend(f"      {clean(d)}" for d in step.details)
    out.extend(f"      {link}" for link in step.links)
    return out


def outcome_lines(o: Outcome, plan: Plan | None = None, journal: str = "") -> list[str]:
    lines = [f"Done: {len(o.done)} step(s); skipped as done earlier: {len(o.skipped)}."]
    if o.failed is not None:
        step, why = o.failed
        lines.append(f"STOPPED at {step.id}: {clean(why)}")
        if o.left:
            lines.append("Left to do (run the same command again to continue):")
            lines.extend(f"  {s.id}: {clean(s.title)}" for s in o.left)
    if plan is None:
        return lines
    unpromoted = [
        s.account
        for s in plan.steps
        if s.id.startswith("secondary:")
        and s.status == "done"
        and next((p for p in plan.steps if p.id == f"promote:{s.account}"), s).status != "done"
    ]
    if unpromoted and o.failed is None:
        lines.append(
            f"Next: deploy the new Auth Token of {', '.join(a or '?' for a in unpromoted)} to your "
            f"applications, then: twscan respond --execute --promote --journal {journal}"
        )
    manual = [s for s in plan.steps if s.mode == "manual" and s.status != "done"]
    if manual:
        lines.append(
            f"{len(manual)} manual step(s) left: {', '.join(s.id for s in manual)} (mark one "
            "done with --mark-done ID once you have done it)"
        )
    return lines


def document(
    plan: Plan, outcome: Outcome | None = None, *, execute: bool = False
) -> dict[str, Any]:
    s = plan.survey
    doc: dict[str, Any] = {
        "version": 1,
        "account": s.main,
        "acting_as": s.acting.user,
        "api_base": plan.base,
        "executed": execute,
        "accounts": [
            {
                "sid": a.sid,
                "friendly_name": a.account.friendly_name,
                "status": a.account.status,
                "owner_account_sid": a.account.owner_sid,
                "chosen": a.chosen,
                "why": a.why,
            }
            for a in s.accounts
        ],
        "steps": [
            {
                "id": st.id,
                "checklist": st.checklist,
                "title": st.title,
                "mode": st.mode,
                "account": st.account,
                "selected": st.selected,
                "status": st.status,
                "option": st.option,
                "calls": [c.as_dict() for c in st.calls],
                "details": list(st.details),
                "links": list(st.links),
            }
            for st in plan.steps
        ],
    }
    if outcome is not None:
        doc["result"] = {
            "done": [{"step": st.id, "result": r} for st, r in outcome.done],
            "skipped": [{"step": st.id, "why": r} for st, r in outcome.skipped],
            "failed": {"step": outcome.failed[0].id, "error": outcome.failed[1]}
            if outcome.failed
            else None,
            "left": [st.id for st in outcome.left],
        }
    return doc
