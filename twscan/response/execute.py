"""The automatic steps, one at a time, each recorded in the journal before the next.

Order matters more than in the checklist: everything that uses the acting credential comes
first, the Auth Token rotations last, subaccounts before the main account, because promoting
the main account's token ends the credential this run acts with. A step the journal shows done
is skipped; a step Twilio shows done (a key already gone, the permissions already narrow) does
nothing. The first error stops the run: it is recorded, and what is left is listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from twscan.net.twilio import api
from twscan.net.twilio.client import Credential, TwilioClient, TwilioError
from twscan.response.handover import Handover
from twscan.response.journal import Journal
from twscan.response.plan import Plan, Step
from twscan.response.survey import acting_for


@dataclass
class Outcome:
    done: list[tuple[Step, str]] = field(default_factory=list)
    skipped: list[tuple[Step, str]] = field(default_factory=list)
    failed: tuple[Step, str] | None = None
    left: list[Step] = field(default_factory=list)


def order(plan: Plan) -> list[Step]:
    """The selected automatic steps in the order they can safely run."""
    main = plan.survey.acting.account_sid
    rank = {"key": 0, "trigger": 1, "voice": 2, "messaging": 3, "secondary": 4, "promote": 5}

    def key(step: Step) -> tuple[int, int, str]:
        kind = step.id.split(":", 1)[0]
        late = kind in ("secondary", "promote")
        return (rank[kind], 1 if late and step.account == main else 0, step.id)

    return sorted((s for s in plan.automatic() if s.status == "pending"), key=key)


def run(
    plan: Plan,
    client: TwilioClient,
    journal: Journal,
    handover: Handover,
    *,
    say: Callable[[str], None],
) -> Outcome:
    out = Outcome()
    states = {s.sid: s for s in plan.survey.accounts}
    new_tokens: dict[str, str] = {}
    steps = order(plan)
    journal.record("run", "started", steps=[s.id for s in steps])
    for i, step in enumerate(steps):
        earlier = journal.done(step.id)
        if earlier is not None:
            out.skipped.append((step, f"done earlier, at {earlier.get('time')}"))
            say(f"  skip  {step.title}: done earlier ({earlier.get('time')})")
            continue
        state = states[step.account or plan.survey.main]
        cred = plan.survey.acting
        own = acting_for(cred, state)
        try:
            summary, answer = _perform(step, client, cred, own, journal, handover, new_tokens)
        except TwilioError as exc:
            journal.record(step.id, "failed", error=str(exc), http_status=exc.status or None)
            step.status = "failed"
            out.failed = (step, str(exc))
            out.left = steps[i + 1 :]
            say(f"  FAIL  {step.title}: {exc}")
            return out
        journal.record(step.id, "done", answer=answer)
        step.status = "done"
        out.done.append((step, summary))
        say(f"  done  {step.title}: {summary}")
    journal.record("run", "finished")
    return out


def _perform(
    step: Step,
    client: TwilioClient,
    cred: Credential,
    own: Credential,
    journal: Journal,
    handover: Handover,
    new_tokens: dict[str, str],
) -> tuple[str, dict[str, Any]]:
    kind = step.id.split(":", 1)[0]
    sid = step.account or cred.account_sid
    if kind == "key":
        gone = api.delete_key(client, cred, sid, step.data["key"])
        return ("deleted" if gone else "already gone"), {"key": step.data["key"], "deleted": gone}
    if kind == "trigger":
        t = api.create_trigger(
            client,
            cred,
            sid,
            value=step.data["value"],
            callback_url=step.data["callback"],
            friendly_name="twscan respond: daily spend limit",
        )
        return f"trigger {t.sid} created", {"trigger": t.sid, "trigger_value": t.trigger_value}
    if kind == "voice":
        changes: list[api.VoiceCountry] = step.data["changes"]
        n = api.update_voice_countries(client, own, changes)
        return f"{n} countries updated", {
            "update_count": n,
            "countries": {c.iso_code: c.low_risk for c in changes},
        }
    if kind == "messaging":
        sms: dict[str, bool] = step.data["changes"]
        refused = api.update_messaging(client, own, sms)
        note = f"{len(sms) - len(refused)} countries updated"
        if refused:
            note += "; Twilio kept " + ", ".join(
                f"{cc} ({code}: {msg})" for cc, code, msg in refused
            )
        return note, {
            "countries": sms,
            "refused": [
                {"country_code": cc, "error_code": code, "message": msg}
                for cc, code, msg in refused
            ],
        }
    if kind == "secondary":
        if journal.started(step.id):
            # an earlier run created a token it may not have handed over: replace it
            api.delete_secondary_token(client, own)
        journal.record(step.id, "started")
        token = api.create_secondary_token(client, own)
        where = handover.give(sid, token.token, promoted=bool(step.data.get("promote_now")))
        new_tokens[sid] = token.token
        return f"secondary Auth Token {where}", {"handed_over": where}
    if kind == "promote":
        if journal.done(f"secondary:{sid}") is None and sid not in new_tokens:
            raise TwilioError(
                f"no secondary Auth Token was created for {sid} by twscan (journal "
                f"{journal.path}): run --execute first, deploy the token it hands over, then "
                "--execute --promote"
            )
        api.promote_secondary_token(client, own)
        return "promoted: the old Auth Token no longer works", {"promoted": True}
    raise AssertionError(f"unknown step {step.id}")
