"""Twilio's account-takeover checklist for one incident, each step automatic or manual.

Automatic steps are what ``--execute`` would do, each with the requests it would send; a step
the options did not select is still listed (with the option that selects it), so the plan is
always the whole checklist. Manual steps are the ones only the Console can do. Step ids are
stable across runs (they name the account and the key): the journal records steps by id, and a
second run skips what the first finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from twscan.net.twilio import api
from twscan.net.twilio.client import TwilioClient
from twscan.response.leaks import Leaks
from twscan.response.survey import AccountState, Survey

TAKEOVER_GUIDE = "https://help.twilio.com/articles/360021347073"
FRAUD_GUIDE = "https://www.twilio.com/docs/usage/fraud-response-guide/contain"
CONSOLE = {
    "keys": "https://console.twilio.com/us1/account/keys-credentials/api-keys",
    "voice-geo": "https://console.twilio.com/us1/develop/voice/settings/geo-permissions",
    "sms-geo": "https://console.twilio.com/us1/develop/sms/settings/geo-permissions",
    "caller-ids": "https://console.twilio.com/us1/develop/phone-numbers/manage/verified",
    "2fa": "https://help.twilio.com/articles/223136307",
    "users": "https://console.twilio.com/",
}
TRIGGER_NAME = "twscan respond: daily spend limit"


@dataclass(frozen=True)
class Call:
    method: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return {"method": self.method, "url": self.url}


@dataclass
class Step:
    """One checklist item. ``selected`` says whether ``--execute`` would do it now; ``done`` is
    filled from the journal and Twilio's own state."""

    id: str
    checklist: str
    title: str
    mode: str  # "automatic" or "manual"
    account: str | None = None
    selected: bool = False
    calls: list[Call] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    option: str | None = None  # what selects it when it is not selected
    links: list[str] = field(default_factory=list)
    status: str = "pending"  # pending, done, nothing-to-do, not-selected, manual
    #: what the executor needs (never shown as such): key SIDs, country changes ...
    data: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Options:
    execute: bool = False
    promote_now: bool = False
    promote: bool = False
    all_keys: bool = False
    daily_limit: Decimal | None = None
    trigger_callback: str | None = None
    allow_countries: list[str] | None = None


@dataclass
class Plan:
    survey: Survey
    base: str
    steps: list[Step]
    notes: list[str] = field(default_factory=list)

    def automatic(self) -> list[Step]:
        return [s for s in self.steps if s.mode == "automatic" and s.selected]


def build(survey: Survey, client: TwilioClient, opts: Options, leaks: Leaks) -> Plan:
    """The whole checklist, in Twilio's order: tokens, keys, users, geography, triggers."""
    steps: list[Step] = []
    chosen = survey.chosen()
    for state in chosen:
        steps.extend(_token_steps(state, client, opts, leaks, survey))
    for state in chosen:
        steps.extend(_key_steps(state, client, opts, leaks, survey))
    steps.extend(_manual_user_steps())
    for state in chosen:
        steps.extend(_geo_steps(state, client, opts))
    for state in chosen:
        steps.append(_trigger_step(state, client, opts))
    steps.extend(_manual_closing_steps(survey))
    notes = [
        f"{a.sid} ({a.account.friendly_name}): {a.why}; {len(a.keys)} API key(s)"
        + ("; add --subaccount SID or --all-subaccounts" if a.why == "not selected" else "")
        for a in survey.accounts
        if not a.chosen
    ]
    known = {a.sid for a in survey.accounts} | {k.sid for a in survey.accounts for k in a.keys}
    for shown in leaks.unmatched(known):
        notes.append(
            f"{shown} (in the report) is not on this account or its subaccounts: respond for "
            "it with its own account's credentials"
        )
    return Plan(survey, client.bases["api"], steps, notes)


def _token_steps(
    state: AccountState, client: TwilioClient, opts: Options, leaks: Leaks, survey: Survey
) -> list[Step]:
    sid = state.sid
    leaked = " (the report found it leaked)" if leaks.token_leaked(sid) else ""
    acting = sid == survey.acting.account_sid and not survey.acting.is_key
    secondary = Step(
        id=f"secondary:{sid}",
        checklist="Reset the Auth Token",
        title=f"Create a secondary Auth Token for {sid}{leaked}",
        mode="automatic",
        account=sid,
        selected=opts.execute or opts.promote_now,
        calls=[Call("POST", client.url("accounts", "/v1/AuthTokens/Secondary"))],
        details=[
            "The new token is handed over once: to the terminal, or to --secret-out FILE. "
            "Deploy it to your applications before promoting it.",
        ],
        option="--execute",
        links=[CONSOLE["keys"]],
        data={"promote_now": opts.promote_now},
    )
    promote = Step(
        id=f"promote:{sid}",
        checklist="Reset the Auth Token",
        title=f"Promote the secondary Auth Token of {sid}: the leaked token stops working",
        mode="automatic",
        account=sid,
        selected=opts.promote_now or opts.promote,
        calls=[Call("POST", client.url("accounts", "/v1/AuthTokens/Promote"))],
        details=[
            "Without --promote-now this is a second run, once the new token is deployed: "
            "twscan respond --execute --promote (with the same --journal)."
        ]
        + (
            [
                "This account's token is the credential twscan acts with: "
                "later runs need the new one."
            ]
            if acting
            else []
        ),
        option="--promote-now, or later --promote",
        links=[CONSOLE["keys"]],
    )
    if opts.promote and not opts.promote_now:
        secondary.selected = False  # a --promote run promotes what an earlier run created
    return [secondary, promote]


def _key_steps(
    state: AccountState, client: TwilioClient, opts: Options, leaks: Leaks, survey: Survey
) -> list[Step]:
    steps: list[Step] = []
    acting_key = survey.acting.user if survey.acting.is_key else None
    for key in state.keys:
        how = leaks.found(key.sid)
        beside = " with its secret" if leaks.secret_leaked(key.sid) else ""
        found = (
            f"found leaked by the report{beside}"
            + (" (matched by the redacted form only)" if how == "redacted" else "")
            if how
            else "not found in the report"
        )
        if key.sid == acting_key:
            steps.append(
                Step(
                    id=f"key:{state.sid}:{key.sid}",
                    checklist="Delete the API keys",
                    title=f"Keep API key {key.sid} ({key.friendly_name}): twscan acts with it",
                    mode="automatic",
                    account=state.sid,
                    details=[f"{found}; delete it in the Console when the response is over"],
                    status="not-selected",
                    links=[CONSOLE["keys"]],
                )
            )
            continue
        selected = opts.execute and (bool(how) or opts.all_keys)
        steps.append(
            Step(
                id=f"key:{state.sid}:{key.sid}",
                checklist="Delete the API keys",
                title=f"Delete API key {key.sid} ({key.friendly_name}, created {key.date_created})",
                mode="automatic",
                account=state.sid,
                selected=selected,
                calls=[
                    Call(
                        "DELETE",
                        client.url("api", f"/2010-04-01/Accounts/{state.sid}/Keys/{key.sid}.json"),
                    )
                ],
                details=[found],
                option="--execute" if how else "--all-keys",
                links=[CONSOLE["keys"]],
                data={"key": key.sid},
            )
        )
    if not state.keys:
        steps.append(
            Step(
                id=f"keys:{state.sid}",
                checklist="Delete the API keys",
                title=f"No API keys on {state.sid}",
                mode="automatic",
                account=state.sid,
                status="nothing-to-do",
            )
        )
    return steps


def _manual(id: str, checklist: str, title: str, links: list[str], *details: str) -> Step:
    return Step(
        id=id,
        checklist=checklist,
        title=title,
        mode="manual",
        links=links,
        details=list(details),
        status="manual",
    )


def _manual_user_steps() -> list[Step]:
    return [
        _manual(
            "manual:passwords",
            "Change passwords",
            "Change the password of every user of the account, starting with the owner's",
            [CONSOLE["users"], TAKEOVER_GUIDE],
        ),
        _manual(
            "manual:2fa",
            "Turn on two-factor authentication",
            "Turn on 2FA for every login (User settings in the Console)",
            [CONSOLE["2fa"]],
        ),
        _manual(
            "manual:emails",
            "Check users' email addresses",
            "Check that every user's "
            "email address is one you know: an attacker adds their own to keep access",
            [CONSOLE["users"]],
        ),
        _manual(
            "manual:caller-ids",
            "Check caller IDs",
            "Remove verified caller IDs you did not add",
            [CONSOLE["caller-ids"]],
        ),
    ]


def _manual_closing_steps(survey: Survey) -> list[Step]:
    return [
        _manual(
            "manual:malware",
            "Scan for malware",
            "Scan the machines that held the "
            "credential for malware: a stolen token is often a symptom",
            [FRAUD_GUIDE],
        ),
        _manual(
            "manual:site",
            "Harden the sites that use Twilio",
            "Check the sites and "
            "servers that use these credentials: keep secrets in the environment, not in "
            "code; protect sign-up and verification forms against SMS pumping",
            [FRAUD_GUIDE],
        ),
        _manual(
            "manual:exposure",
            "Find where the SID is exposed",
            "Search GitHub for the Account SID: twscan exposure " + survey.main,
            [f"https://github.com/search?q={survey.main}&type=Code"],
            "Purge leaked values from git history (git filter-repo) and treat them as "
            "public even after the purge.",
        ),
    ]


def _geo_steps(state: AccountState, client: TwilioClient, opts: Options) -> list[Step]:
    allowed = set(opts.allow_countries or [])
    selected = opts.execute and opts.allow_countries is not None
    enabled = [c for c in state.voice if c.enabled]
    risky = [c for c in state.voice if c.high_risk_special or c.high_risk_tollfraud]
    voice_changes = (
        [n for n, c in ((_narrowed(c, allowed), c) for c in state.voice) if n != c]
        if allowed
        else []
    )
    before = ", ".join(c.iso_code for c in enabled) or "none"
    after = (
        ", ".join(sorted(c for c in allowed if c in {v.iso_code for v in state.voice})) or "none"
    )
    voice = Step(
        id=f"voice:{state.sid}",
        checklist="Narrow Voice geographic permissions",
        title=f"Voice dialing on {state.sid}: allow only {', '.join(sorted(allowed))}"
        if allowed
        else f"Voice dialing on {state.sid}: {len(enabled)} countries enabled",
        mode="automatic",
        account=state.sid,
        selected=selected and bool(voice_changes),
        calls=[Call("POST", client.url("voice", "/v1/DialingPermissions/BulkCountryUpdates"))],
        details=[f"enabled now: {before}"]
        + (
            [f"high-risk or toll-fraud numbers enabled: {', '.join(c.iso_code for c in risky)}"]
            if risky
            else []
        )
        + ([f"after: {after}", f"{len(voice_changes)} countries change"] if allowed else []),
        option="--allow-countries CC,CC",
        links=[CONSOLE["voice-geo"]],
        data={"changes": voice_changes},
    )
    if selected and not voice_changes:
        voice.status = "done"
        voice.details.append("already only the allowed countries")
    sms_on = sorted(cc for cc, on in state.messaging.items() if on)
    sms_changes = (
        {cc: (cc in allowed) for cc, on in state.messaging.items() if on != (cc in allowed)}
        if allowed
        else {}
    )
    sms = Step(
        id=f"messaging:{state.sid}",
        checklist="Narrow SMS geographic permissions",
        title=f"SMS on {state.sid}: allow only {', '.join(sorted(allowed))}"
        if allowed
        else f"SMS on {state.sid}: {len(sms_on)} countries enabled",
        mode="automatic",
        account=state.sid,
        selected=selected and bool(sms_changes),
        calls=[Call("PATCH", client.url("accounts", "/v1/Messaging/GeoPermissions"))],
        details=[f"enabled now: {', '.join(sms_on) or 'none'}"]
        + (
            [
                f"after: {', '.join(sorted(c for c in allowed if c in state.messaging)) or 'none'}",
                f"{len(sms_changes)} countries change",
            ]
            if allowed
            else []
        ),
        option="--allow-countries CC,CC",
        links=[CONSOLE["sms-geo"]],
        data={"changes": sms_changes},
    )
    if selected and not sms_changes:
        sms.status = "done"
        sms.details.append("already only the allowed countries")
    return [voice, sms]


def _narrowed(c: api.VoiceCountry, allowed: set[str]) -> api.VoiceCountry:
    """An allowed country keeps its high-risk flags and gets ordinary numbers; every other
    country loses all three."""
    if c.iso_code in allowed:
        return api.VoiceCountry(
            c.iso_code, c.name, True, c.high_risk_special, c.high_risk_tollfraud
        )
    return api.VoiceCountry(c.iso_code, c.name, False, False, False)


def _trigger_step(state: AccountState, client: TwilioClient, opts: Options) -> Step:
    daily = [
        t for t in state.triggers if t.recurring == "daily" and t.usage_category == "totalprice"
    ]
    existing = ", ".join(f"{t.sid} at {t.trigger_value}" for t in daily) or "none"
    others = len(state.triggers) - len(daily)
    limit = str(opts.daily_limit) if opts.daily_limit is not None else None
    step = Step(
        id=f"trigger:{state.sid}",
        checklist="Set usage triggers",
        title=f"Daily usage trigger on {state.sid} at {limit} (total price)"
        if limit
        else f"Daily usage trigger on {state.sid}",
        mode="automatic",
        account=state.sid,
        selected=opts.execute and limit is not None,
        calls=[
            Call("POST", client.url("api", f"/2010-04-01/Accounts/{state.sid}/Usage/Triggers.json"))
        ],
        details=[f"daily total-price triggers now: {existing}"]
        + ([f"other usage triggers: {others}"] if others else [])
        + ([f"callback: {opts.trigger_callback}"] if limit and opts.trigger_callback else []),
        option="--daily-limit AMOUNT --trigger-callback URL",
        data={"value": limit, "callback": opts.trigger_callback},
    )
    if limit is not None and any(_same_amount(t.trigger_value, limit) for t in daily):
        step.status = "done"
        step.selected = False
        step.details.append("a daily trigger at this amount is already in place")
    return step


def _same_amount(a: str, b: str) -> bool:
    try:
        return Decimal(a) == Decimal(b)
    except ArithmeticError:
        return False
