"""The account as Twilio shows it, read with GET requests only.

The plan is computed from this and nothing else, and a resumed run surveys again, so a step
that was done (a key deleted, a trigger created) shows up as done in Twilio's own answer, not
only in the journal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from twscan.core.errors import TwscanError
from twscan.net.twilio import api
from twscan.net.twilio.client import Credential, TwilioClient, TwilioError
from twscan.response.leaks import Leaks

#: Twilio's error code for a request made with test credentials.
TEST_CREDENTIALS = 20008


@dataclass
class AccountState:
    account: api.Account
    chosen: bool
    why: str
    keys: list[api.Key] = field(default_factory=list)
    triggers: list[api.Trigger] = field(default_factory=list)
    voice: list[api.VoiceCountry] = field(default_factory=list)
    messaging: dict[str, bool] = field(default_factory=dict)

    @property
    def sid(self) -> str:
        return self.account.sid


@dataclass
class Survey:
    acting: Credential
    main: str
    accounts: list[AccountState]

    def chosen(self) -> list[AccountState]:
        return [a for a in self.accounts if a.chosen]


def check_credential(client: TwilioClient, cred: Credential) -> api.Account:
    """The credential's own account, or a clear refusal: rejected, test credentials, closed."""
    try:
        account = api.fetch_account(client, cred, cred.account_sid)
    except TwilioError as exc:
        if exc.code == TEST_CREDENTIALS:
            raise TwscanError(
                "these are Twilio test credentials: they cannot read or change an account. "
                "Act with the live Account SID and Auth Token (or a main API key)"
            ) from None
        if exc.status == 401:
            raise TwscanError(
                f"Twilio rejected the credential for {cred.account_sid} (401): check "
                "TWILIO_ACCOUNT_SID and the token or key; if the token was already rotated, "
                "use the new one"
            ) from None
        if exc.status == 403 and cred.is_key:
            raise TwscanError(
                f"Twilio refused API key {cred.user} (403): a Standard API key cannot manage "
                "accounts, keys or tokens; act with the Auth Token or a Main API key"
            ) from None
        raise
    if account.sid != cred.account_sid:
        raise TwscanError("Twilio answered for another account than the one asked for")
    if account.status != "active":
        raise TwscanError(f"account {account.sid} is {account.status}: nothing to act on")
    return account


def survey(
    client: TwilioClient,
    cred: Credential,
    *,
    target: str,
    subaccounts: list[str],
    all_subaccounts: bool,
    leaks: Leaks,
) -> Survey:
    """Read every chosen account's keys, triggers and geographic permissions.

    ``target`` is ``--account`` (the credential's account when not given), ``subaccounts`` the
    ``--subaccount`` SIDs, ``leaks`` what a report found; every listed account is
    shown, and only chosen ones are read in full and acted on.
    """
    check_credential(client, cred)
    listed = api.list_accounts(client, cred)
    by_sid = {a.sid: a for a in listed}
    if cred.account_sid not in by_sid:
        raise TwscanError("Twilio's account list does not include the credential's own account")
    wanted = {target, *subaccounts}
    for sid in sorted(wanted):
        if sid not in by_sid:
            raise TwscanError(
                f"{sid} is neither the credential's account nor one of its subaccounts: act "
                "with that account's own credentials"
            )
    states: list[AccountState] = []
    for account in sorted(listed, key=lambda a: (a.sid != cred.account_sid, a.sid)):
        if account.sid == target:
            chosen, why = True, "--account" if target != cred.account_sid else "the acting account"
        elif account.sid in subaccounts:
            chosen, why = True, "--subaccount"
        elif leaks.found(account.sid):
            chosen, why = True, "found in the report"
        elif all_subaccounts and account.sid != cred.account_sid:
            chosen, why = True, "--all-subaccounts"
        else:
            chosen, why = False, "not selected"
        if account.status != "active":
            chosen, why = False, f"{account.status}"
        states.append(AccountState(account, chosen, why))
    for state in states:
        if state.account.status != "active":
            continue
        # every account's keys: a key the report found may sit on a subaccount nobody named
        state.keys = api.list_keys(client, cred, state.sid)
        if not state.chosen and any(leaks.found(k.sid) for k in state.keys):
            state.chosen, state.why = True, "holds an API key the report found"
        if state.chosen:
            _read(client, cred, state)
    return Survey(cred, cred.account_sid, states)


def acting_for(cred: Credential, state: AccountState) -> Credential:
    """The credential for an account's own (v1) endpoints: the acting one for its own account,
    the subaccount's Auth Token (from Twilio's account list) for a subaccount."""
    if state.sid == cred.account_sid:
        return cred
    if not state.account.auth_token:
        raise TwscanError(f"Twilio's account list gave no Auth Token for subaccount {state.sid}")
    return state.account.credential()


def _read(client: TwilioClient, cred: Credential, state: AccountState) -> None:
    own = acting_for(cred, state)
    state.triggers = api.list_triggers(client, cred, state.sid)
    state.voice = api.list_voice_countries(client, own)
    state.messaging = api.messaging_permissions(client, own)
