"""npm 11's web login (`npm login`, `npm adduser`; npm-profile webAuth).

`POST /-/v1/login` opens a session and answers two absolute URLs: the `loginUrl` the user opens
in a browser (a page served here, where they sign in, or create the account for `npm adduser`),
and the `doneUrl` the CLI polls. The poll answers 202 with a JSON body and `Retry-After` until the
browser side finishes, then 200 with a token, exactly once. Sessions expire.

Two secrets, so that seeing the login page's URL does not let anyone collect the token: the done
key (known only to the CLI) names the session; the login key names a pointer to it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.auth.second_factor import require_login_otp
from chalicelib.auth.service import add_user, check_password, issue_token
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.errors import ConcurrentModificationError, NotFoundError
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.ports.ephemeral import EphemeralStore
from chalicelib.storage.records import Expiring

SESSION_SECONDS = 10 * 60
POLL_SECONDS = 1
SESSION, LOGIN_PAGE = "weblogin", "weblogin-page"


class LoginSessionNotFoundError(NotFoundError):
    """No such web-login session, or it expired or was collected."""


@dataclass(frozen=True)
class Started:
    login_url: str
    done_url: str


@dataclass(frozen=True)
class Poll:
    token: str | None  # None: not yet


def start(ephemeral: EphemeralStore, base_url: str, *, create: bool) -> Started:
    done_key, login_key = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = time.time() + SESSION_SECONDS
    ephemeral.put_new(Expiring(SESSION, _digest(done_key), {"create": create}, expires))
    ephemeral.put_new(Expiring(LOGIN_PAGE, _digest(login_key), {"session": done_key}, expires))
    return Started(f"{base_url}/-/v1/login/page/{login_key}", f"{base_url}/-/v1/done/{done_key}")


def page_session(ephemeral: EphemeralStore, login_key: str) -> tuple[str, bool]:
    """(done key, create?) for a login page; LoginSessionNotFoundError once it is gone."""
    pointer = ephemeral.get(LOGIN_PAGE, _digest(login_key))
    session = ephemeral.get(SESSION, _digest(str(pointer.doc["session"]))) if pointer else None
    if pointer is None or session is None or "token" in session.doc or "claimed" in session.doc:
        raise LoginSessionNotFoundError("This login link has expired: run `npm login` again")
    return str(pointer.doc["session"]), bool(session.doc.get("create"))


def complete(
    accounts: AccountStore,
    ephemeral: EphemeralStore,
    login_key: str,
    form: dict[str, str],
    throttle: LoginThrottle,
) -> str:
    """Check the form (sign in, or sign up for adduser), then hand the session its token.
    Returns the user name.

    The page is claimed (compare-and-swap on the session) after the credentials are checked and
    before a token is made: of two submits of one page only one makes a token; the other is told
    the link was used already, and no token is left behind that nobody collects."""
    done_key, create = page_session(ephemeral, login_key)
    name, password = form.get("username", ""), form.get("password", "")
    signing_up = create and accounts.get_user(name) is None
    if not signing_up:
        # A wrong name is answered as a wrong password (auth/service.py).
        user = check_password(accounts, name, password, throttle)
        require_login_otp(accounts, user, form.get("otp") or None, throttle)
    claimed = _claim(ephemeral, done_key)
    try:
        if signing_up:
            token = add_user(accounts, name, form.get("email", ""), password)
        else:
            token = issue_token(accounts, name)
    except Exception:
        # The sign-up was refused (a taken or invalid name): the page stays usable.
        ephemeral.replace(
            replace(claimed, doc=_unclaimed(claimed), version=claimed.version + 1), claimed.version
        )
        raise
    done = replace(claimed, doc={**claimed.doc, "token": token}, version=claimed.version + 1)
    ephemeral.replace(done, claimed.version)
    ephemeral.delete(LOGIN_PAGE, _digest(login_key))
    return name


def _claim(ephemeral: EphemeralStore, done_key: str) -> Expiring:
    session = ephemeral.get(SESSION, _digest(done_key))
    if session is None or "token" in session.doc or "claimed" in session.doc:
        raise LoginSessionNotFoundError("This login link was used already: run `npm login` again")
    claimed = replace(session, doc={**session.doc, "claimed": True}, version=session.version + 1)
    try:
        ephemeral.replace(claimed, session.version)
    except ConcurrentModificationError:
        raise LoginSessionNotFoundError(
            "This login link was used already: run `npm login` again"
        ) from None
    return claimed


def _unclaimed(session: Expiring) -> dict[str, Any]:
    return {k: v for k, v in session.doc.items() if k != "claimed"}


def poll(ephemeral: EphemeralStore, done_key: str) -> Poll:
    session = ephemeral.get(SESSION, _digest(done_key))
    if session is None:
        raise LoginSessionNotFoundError("No such login session (it expired or was used)")
    token = session.doc.get("token")
    if token is None:
        return Poll(None)
    # Exactly once: only the poll that deletes the session gets the token.
    if not ephemeral.delete(SESSION, session.key, expected_version=session.version):
        raise LoginSessionNotFoundError("No such login session (it expired or was used)")
    return Poll(str(token))


def _digest(key: str) -> str:
    # Stored by hash, like tokens: the table never holds a usable session URL.
    return hashlib.sha256(key.encode()).hexdigest()


def form_fields(raw: bytes | str | None) -> dict[str, Any]:
    from urllib.parse import parse_qs

    text = raw.decode() if isinstance(raw, bytes) else (raw or "")
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
