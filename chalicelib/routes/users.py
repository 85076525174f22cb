"""Accounts: `npm login` and `npm adduser` (the web login npm 11 uses by default, and CouchDB's
`/-/user/` routes behind `--auth-type=legacy`), `npm logout`, `npm whoami`, `npm profile`
(two-factor auth included) and `npm token`."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.auth import couch, profile, token_api
from chalicelib.auth import web_login as web
from chalicelib.auth.service import revoke_token
from chalicelib.http import login_page, params, render
from chalicelib.http.observe import note
from chalicelib.http.request import actor, base_url, header, throttle
from chalicelib.http.routing import FORM, JSON_TYPES, current_request, router

blueprint = Blueprint(__name__)
_route = router(blueprint)


def _request() -> Request:
    return current_request(blueprint)


@_route("/-/whoami", methods=["GET"])
def whoami() -> Response:
    return render.json_response({"username": actor(wiring.registry(), _request()).name})


# --- web login (auth/web_login.py, the page in http/login_page.py) ----------------------------


@_route("/-/v1/login", methods=["POST"], content_types=JSON_TYPES)
def web_login() -> Response:
    registry, request = wiring.registry(), _request()
    body = params.json_body(request.raw_body or b"{}")
    create = isinstance(body, dict) and body.get("create") is True  # npm adduser
    started = web.start(registry.ephemeral, base_url(registry, request), create=create)
    return render.json_response({"loginUrl": started.login_url, "doneUrl": started.done_url})


@_route("/-/v1/login/page/{key}", methods=["GET"])
def web_login_page(key: str) -> Response:
    _, create = web.page_session(wiring.registry().ephemeral, params.unquote(key))
    return login_page.form(create=create)


@_route("/-/v1/login/page/{key}", methods=["POST"], content_types=[FORM])
def web_login_submit(key: str) -> Response:
    registry, request = wiring.registry(), _request()
    login_key = params.unquote(key)
    _, create = web.page_session(registry.ephemeral, login_key)
    fields = web.form_fields(request.raw_body)
    note(operation="login", actor=fields.get("username"))
    return login_page.submit(
        lambda: web.complete(
            registry.accounts, registry.ephemeral, login_key, fields, throttle(registry, request)
        ),
        create=create,
    )


@_route("/-/v1/done/{key}", methods=["GET"])
def web_login_done(key: str) -> Response:
    result = web.poll(wiring.registry().ephemeral, params.unquote(key))
    if result.token is None:
        # npm re-polls at once without Retry-After, and parses even the 202 as JSON.
        return render.json_response({}, status=202, headers={"Retry-After": str(web.POLL_SECONDS)})
    note(operation="login")
    return render.json_response({"token": result.token})


# --- CouchDB's login and adduser (auth/couch.py), and logout ----------------------------------


@_route("/-/user/{user}", methods=["GET"])
def get_user(user: str) -> Response:
    found = couch.public_profile(wiring.registry().accounts, params.couch_user_name(user))
    return render.json_response(found)


@_route("/-/user/{user}", methods=["PUT"], content_types=JSON_TYPES)
def put_user(user: str) -> Response:
    body = params.json_body(_request().raw_body)
    registry, request = wiring.registry(), _request()
    note(operation="login", actor=params.couch_user_name(user))
    token = couch.couch_login(
        registry.accounts,
        params.couch_user_name(user),
        body,
        header(request, "npm-otp"),
        throttle(registry, request),
    )
    return render.json_response(token, status=201)


@_route("/-/user/{user}/-rev/{rev}", methods=["PUT"], content_types=JSON_TYPES)
def put_user_rev(user: str, rev: str) -> Response:
    # npm's login retry after a 409: same body, Basic auth with the user's password.
    registry = wiring.registry()
    name = params.couch_user_name(user)
    token = couch.couch_relogin(registry.accounts, name, actor(registry, _request()))
    return render.json_response(token, status=201)


@_route("/-/user/token/{token}", methods=["DELETE"])
def logout(token: str) -> Response:
    revoke_token(wiring.registry().accounts, params.unquote(token))
    return render.json_response({"ok": True})


# --- npm profile and npm token ----------------------------------------------------------------


@_route("/-/npm/v1/user", methods=["GET"])
def get_profile() -> Response:
    registry = wiring.registry()
    return render.json_response(profile.get_profile(registry.accounts, actor(registry, _request())))


@_route("/-/npm/v1/user", methods=["POST"], content_types=JSON_TYPES)
def post_profile() -> Response:
    registry, request = wiring.registry(), _request()
    body = params.json_body(request.raw_body)
    changed = profile.set_profile(
        registry.accounts, actor(registry, request), body, throttle(registry, request)
    )
    return render.json_response(changed)


@_route("/-/npm/v1/tokens", methods=["GET"])
def get_tokens() -> Response:
    registry = wiring.registry()
    return render.json_response(
        token_api.list_tokens(registry.accounts, actor(registry, _request()))
    )


@_route("/-/npm/v1/tokens", methods=["POST"], content_types=JSON_TYPES)
def post_token() -> Response:
    registry, request = wiring.registry(), _request()
    body = params.json_body(request.raw_body)
    created = token_api.create_token(
        registry.accounts, actor(registry, request), body, throttle(registry, request)
    )
    return render.json_response(created)


@_route("/-/npm/v1/tokens/token/{key}", methods=["DELETE"])
def delete_token(key: str) -> Response:
    registry = wiring.registry()
    request = _request()
    who = actor(registry, request)
    token_api.revoke(registry.accounts, who, params.unquote(key), throttle(registry, request))
    return Response(body="", status_code=204)
