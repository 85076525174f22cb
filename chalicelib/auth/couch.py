"""npm's couch-style account routes: `PUT /-/user/org.couchdb.user:NAME` (login and adduser),
the retry after a 409, and `GET` of a user's public profile (npm-profile loginCouch/adduserCouch).
"""

from __future__ import annotations

from chalicelib.auth.second_factor import require_login_otp
from chalicelib.auth.service import PASSWORD, Actor, add_user, check_password, issue_token
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.errors import (
    IncorrectPasswordError,
    InvalidPayloadError,
    NameUnavailableError,
    UserExistsError,
    UserNotFoundError,
)
from chalicelib.storage.ports.accounts import AccountStore

COUCH_REV = "_we_dont_use_revs_any_more"


def legacy_login(
    accounts: AccountStore,
    name: str,
    password: str,
    email: str | None,
    otp: str | None,
    throttle: LoginThrottle,
) -> str:
    """A new name with an email creates the account. An existing name with the right password is
    a login, whatever else the body says (npmjs does the same for adduser). An existing name with
    a wrong password answers 409 for adduser, which sends npm down its Basic-auth retry path, and
    401 for login.
    """
    # A login (no email) for a name with no account is answered as a wrong password: npm's 400
    # would say "There is no user with the username", telling a stranger who has an account.
    if email is not None and accounts.get_user(name) is None:
        try:
            return add_user(accounts, name, email, password)
        except UserExistsError:
            if accounts.get_user(name) is None:
                # Not a racing sign-up: the scope of that name belongs to someone else.
                raise NameUnavailableError(
                    f"The name {name!r} is unavailable: the scope @{name} is already taken"
                ) from None
    try:
        user = check_password(accounts, name, password, throttle)
    except IncorrectPasswordError:
        if email is not None:
            raise UserExistsError(f"User {name!r} already exists") from None
        raise
    require_login_otp(accounts, user, otp, throttle)
    return issue_token(accounts, name)


def couch_login(
    accounts: AccountStore,
    name: str,
    body: object,
    otp: str | None,
    throttle: LoginThrottle,
) -> dict[str, object]:
    """The couch login/adduser PUT body -> npm's 201 answer with a token."""
    if not isinstance(body, dict):
        raise InvalidPayloadError("The body must be a JSON object")
    password, email = body.get("password"), body.get("email")
    if body.get("name", name) != name or not isinstance(password, str):
        raise InvalidPayloadError("The body must carry this user's name and a password")
    if email is not None and not isinstance(email, str):
        raise InvalidPayloadError("email must be a string")
    return _couch_answer(name, legacy_login(accounts, name, password, email, otp, throttle))


def couch_relogin(accounts: AccountStore, name: str, actor: Actor) -> dict[str, object]:
    """`PUT …/-rev/REV` after a 409. npm always sends the password here (Basic); a token must not
    be able to mint a fresh one that outlives `npm logout`."""
    if actor.via != PASSWORD or actor.name != name:
        raise IncorrectPasswordError("Incorrect username or password")
    return _couch_answer(name, issue_token(accounts, name))


def public_profile(accounts: AccountStore, name: str) -> dict[str, str]:
    """`GET /-/user/org.couchdb.user:NAME`: npm owner add reads `name` and `email`; the login
    retry after a 409 PUTs to `…/-rev/<_rev>`."""
    user = accounts.get_user(name)
    if user is None:
        raise UserNotFoundError(f"User {name!r} not found")
    return {
        "_id": f"org.couchdb.user:{name}",
        "_rev": "1-0",
        "name": user.name,
        "email": user.email,
        "type": "user",
    }


def _couch_answer(name: str, token: str) -> dict[str, object]:
    return {"ok": True, "id": f"org.couchdb.user:{name}", "rev": COUCH_REV, "token": token}
