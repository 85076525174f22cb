"""tarbox: the npm registry API as Chalice routes. Parse, call one use case, render; nothing else.

API Gateway allows one variable name per path level and Chalice has no usable greedy route, so
routes are declared by shape (`/{p1}`, `/{p1}/{p2}`, …) and dispatched in `chalicelib.http.params`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib import status as health
from chalicelib import wiring
from chalicelib.audit import owners as owner_advisories
from chalicelib.audit.bulk import bulk_advisories
from chalicelib.auth import couch, profile, token_api
from chalicelib.auth import web_login as web
from chalicelib.auth.service import revoke_token
from chalicelib.billing import webhooks
from chalicelib.errors import PackageNotFoundError, TarballNotFoundError
from chalicelib.http import login_page, params, render, routing
from chalicelib.http.discovery_routes import discovery
from chalicelib.http.errors import npm_shaped, translated
from chalicelib.http.hook_routes import hooks
from chalicelib.http.observe import note, observed
from chalicelib.http.org_routes import orgs
from chalicelib.http.request import (
    actor,
    base_url,
    configured_url,
    header,
    optional_actor,
    throttle,
)
from chalicelib.http.stage_routes import stage
from chalicelib.http.supply_chain_routes import supply_chain
from chalicelib.http.upstream_answers import (
    upstream_packument_answer,
    upstream_tarball_answer,
    upstream_version_answer,
)
from chalicelib.lifecycle import access, writes
from chalicelib.lifecycle.stars import starred_by
from chalicelib.lifecycle.unpublish import delete_tarball, unpublish_package
from chalicelib.packuments import dist_tags
from chalicelib.packuments.documents import offload_url, read_document
from chalicelib.packuments.lookup import version_document
from chalicelib.packuments.render import rev_string
from chalicelib.packuments.tarballs import locate_tarball

# Logs are powertools' (chalicelib/http/observe.py); Chalice's handler would print them twice.
app = Chalice(app_name="tarbox", configure_logs=False)
app.register_blueprint(orgs)
app.register_blueprint(discovery)
app.register_blueprint(hooks)
app.register_blueprint(supply_chain)
app.register_blueprint(stage)
JSON_TYPES = ["application/json", "text/plain"]
FORM = "application/x-www-form-urlencoded"
READ = ["GET", "HEAD"]


def current() -> Request:
    request = app.current_request
    assert request is not None  # Chalice sets it before calling any view
    return request


def route(
    path: str, *, hot: bool = False, **options: Any
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Register a view with the error table wrapped around it (see chalicelib/http/errors.py).
    `hot`: a read every install makes, run inline by the local server (http/routing.py)."""

    def register(view: Callable[..., Response]) -> Callable[..., Response]:
        registered: Callable[..., Response] = app.route(path, **options)(translated(view))
        return routing.hot(registered) if hot else registered

    return register


@app.middleware("http")
def observe(event: Request, get_response: Callable[[Request], Response]) -> Response:
    # Outermost: the request's log line and metrics see the final answer.
    return observed(event, get_response)


@app.middleware("http")
def npm_shaped_errors(event: Request, get_response: Callable[[Request], Response]) -> Response:
    # Chalice answers 405 and 415 itself, before any view runs, in its own {"Code", "Message"}.
    return npm_shaped(get_response(event))


# --- hooks, off the request path --------------------------------------------------------------

# infra/template.json points this at the table's stream (only change-log items, by a filter) and
# adds a schedule for retries; Chalice needs an ARN here to package the event source.
CHANGE_LOG_STREAM = "arn:aws:dynamodb:us-east-1:000000000000:table/tarbox/stream/set-by-infra"


@app.on_dynamodb_record(stream_arn=CHANGE_LOG_STREAM, batch_size=100)
def hook_worker(event: object) -> None:
    """New changes in the log (or the one-minute schedule): dispatch them to hooks, send what is
    due, and refresh a slice of search. Its own Lambda: a hook endpoint that hangs never holds up
    a publish."""
    from chalicelib.hooks.worker import run_background_once  # an HTTP client: not every start

    registry = wiring.registry()
    run_background_once(registry, configured_url(registry) or "")


# --- monitoring and misc ----------------------------------------------------------------------


@route("/-/ping", methods=READ, hot=True)
def ping() -> Response:
    return render.json_response({})


@route("/-/status", methods=READ)
def status() -> Response:
    code, body = health.status(wiring.registry())
    return render.json_response(body, status=code)


@route("/-/billing/stripe", methods=["POST"], content_types=JSON_TYPES)
def billing_webhook() -> Response:
    # Verified over the exact bytes Stripe signed, never over re-serialised JSON.
    request = current()
    signature = header(request, "stripe-signature")
    raw = request.raw_body or b""
    payload = raw.encode() if isinstance(raw, str) else raw
    received = webhooks.receive(wiring.registry(), payload, signature)
    return render.json_response(received)


# What an audit body may inflate to: npm sends every installed package's name and versions.
AUDIT_BODY_LIMIT = 16 * 1024 * 1024


@route("/-/npm/v1/security/advisories/bulk", methods=["POST"], content_types=JSON_TYPES)
def audit_bulk() -> Response:
    registry, request = wiring.registry(), current()
    note(operation="audit")
    who = optional_actor(registry, request)
    raw = params.inflated(request.raw_body, header(request, "content-encoding"), AUDIT_BODY_LIMIT)
    return render.json_response(bulk_advisories(registry, who, params.json_body(raw)))


@route("/-/npm/v1/security/advisories/{advisory}", methods=["PUT"], content_types=JSON_TYPES)
def put_advisory(advisory: str) -> Response:
    registry, request = wiring.registry(), current()
    note(operation="advisory")
    who = actor(registry, request)
    body = params.json_body(request.raw_body)
    added = owner_advisories.put_advisory(registry, who, params.unquote(advisory), body)
    return render.json_response(added, status=201)


# --- accounts ---------------------------------------------------------------------------------


@route("/-/whoami", methods=["GET"])
def whoami() -> Response:
    return render.json_response({"username": actor(wiring.registry(), current()).name})


@route("/-/v1/login", methods=["POST"], content_types=JSON_TYPES)
def web_login() -> Response:
    registry, request = wiring.registry(), current()
    body = params.json_body(request.raw_body or b"{}")
    create = isinstance(body, dict) and body.get("create") is True  # npm adduser
    started = web.start(registry.ephemeral, base_url(registry, request), create=create)
    return render.json_response({"loginUrl": started.login_url, "doneUrl": started.done_url})


@route("/-/v1/login/page/{key}", methods=["GET"])
def web_login_page(key: str) -> Response:
    _, create = web.page_session(wiring.registry().ephemeral, params.unquote(key))
    return login_page.form(create=create)


@route("/-/v1/login/page/{key}", methods=["POST"], content_types=[FORM])
def web_login_submit(key: str) -> Response:
    registry, request = wiring.registry(), current()
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


@route("/-/v1/done/{key}", methods=["GET"])
def web_login_done(key: str) -> Response:
    result = web.poll(wiring.registry().ephemeral, params.unquote(key))
    if result.token is None:
        # npm re-polls at once without Retry-After, and parses even the 202 as JSON.
        return render.json_response({}, status=202, headers={"Retry-After": str(web.POLL_SECONDS)})
    note(operation="login")
    return render.json_response({"token": result.token})


@route("/-/user/{user}", methods=["GET"])
def get_user(user: str) -> Response:
    found = couch.public_profile(wiring.registry().accounts, params.couch_user_name(user))
    return render.json_response(found)


@route("/-/user/{user}", methods=["PUT"], content_types=JSON_TYPES)
def put_user(user: str) -> Response:
    body = params.json_body(current().raw_body)
    registry, request = wiring.registry(), current()
    note(operation="login", actor=params.couch_user_name(user))
    token = couch.couch_login(
        registry.accounts,
        params.couch_user_name(user),
        body,
        header(request, "npm-otp"),
        throttle(registry, request),
    )
    return render.json_response(token, status=201)


@route("/-/user/{user}/-rev/{rev}", methods=["PUT"], content_types=JSON_TYPES)
def put_user_rev(user: str, rev: str) -> Response:
    # npm's login retry after a 409: same body, Basic auth with the user's password.
    registry = wiring.registry()
    name = params.couch_user_name(user)
    token = couch.couch_relogin(registry.accounts, name, actor(registry, current()))
    return render.json_response(token, status=201)


@route("/-/npm/v1/user", methods=["GET"])
def get_profile() -> Response:
    registry = wiring.registry()
    return render.json_response(profile.get_profile(registry.accounts, actor(registry, current())))


@route("/-/npm/v1/user", methods=["POST"], content_types=JSON_TYPES)
def post_profile() -> Response:
    registry, request = wiring.registry(), current()
    body = params.json_body(request.raw_body)
    changed = profile.set_profile(
        registry.accounts, actor(registry, request), body, throttle(registry, request)
    )
    return render.json_response(changed)


@route("/-/npm/v1/tokens", methods=["GET"])
def get_tokens() -> Response:
    registry = wiring.registry()
    return render.json_response(
        token_api.list_tokens(registry.accounts, actor(registry, current()))
    )


@route("/-/npm/v1/tokens", methods=["POST"], content_types=JSON_TYPES)
def post_token() -> Response:
    registry, request = wiring.registry(), current()
    body = params.json_body(request.raw_body)
    created = token_api.create_token(
        registry.accounts, actor(registry, request), body, throttle(registry, request)
    )
    return render.json_response(created)


@route("/-/npm/v1/tokens/token/{key}", methods=["DELETE"])
def delete_token(key: str) -> Response:
    registry = wiring.registry()
    request = current()
    who = actor(registry, request)
    token_api.revoke(registry.accounts, who, params.unquote(key), throttle(registry, request))
    return Response(body="", status_code=204)


@route("/-/user/token/{token}", methods=["DELETE"])
def logout(token: str) -> Response:
    revoke_token(wiring.registry().accounts, params.unquote(token))
    return render.json_response({"ok": True})


# --- packuments -------------------------------------------------------------------------------


def _packument(name: str) -> Response:
    registry, request = wiring.registry(), current()
    query: dict[str, str] = dict(request.query_params or {})
    write = query.get("write") == "true"
    abbreviated = not write and params.wants_abbreviated(header(request, "accept"))
    note(operation="install", document="abbreviated" if abbreviated else "full")
    who = optional_actor(registry, request)  # a bad token answers 401, even on public reads
    # Stored compressed copies only where the answer's bytes reach the client as they are: on
    # Lambda, API Gateway would need them as base64 (CloudFront compresses there instead).
    local = registry.settings.local_server
    try:
        doc = read_document(
            registry,
            who,
            name,
            abbreviated=abbreviated,
            base_url=base_url(registry, request),
            encodings=params.accepted_encodings(header(request, "accept-encoding"))
            if local
            else (),
            if_none_match=header(request, "if-none-match"),
            write=write,
        )
    except PackageNotFoundError:
        # Not here: from the upstream its name is routed to, if any (chalicelib/upstream/).
        fetched = upstream_packument_answer(
            registry,
            who,
            name,
            abbreviated=abbreviated,
            base_url=base_url(registry, request),
            if_none_match=header(request, "if-none-match"),
        )
        if fetched is None:
            raise
        return fetched
    # The CDN in front (AWS) may keep a public document a while: it is told of every change
    # (packuments/edge.py). Not one read with a query (`?write=true`): its invalidation covers
    # the plain path only.
    edge_age = registry.settings.edge_max_age if registry.edge is not None and not query else 0
    return render.document(
        doc, header(request, "if-none-match"), offload_url(registry, doc), edge_age
    )


def _put(name: str, rev: str | None = None) -> Response:
    registry, request = wiring.registry(), current()
    answer = writes.put_package(
        registry,
        actor(registry, request),
        name,
        params.json_body(request.raw_body),
        url_rev=None if rev is None else params.unquote(rev),
        base_url=base_url(registry, request),
    )
    note(operation=answer.operation)
    return render.json_response(answer.body, answer.status, render.notice(answer.notice))


def _delete(name: str, rev: str) -> Response:
    registry, request = wiring.registry(), current()
    who, base = actor(registry, request), base_url(registry, request)
    updated = unpublish_package(registry, who, name, params.unquote(rev), base)
    return render.json_response({"ok": True, "id": name, "rev": rev_string(updated)})


def _version(name: str, spec: str) -> Response:
    registry, request = wiring.registry(), current()
    who, base = optional_actor(registry, request), base_url(registry, request)
    try:
        manifest, seen = version_document(registry, who, name, params.unquote(spec), base)
    except PackageNotFoundError:
        fetched = upstream_version_answer(registry, who, name, params.unquote(spec), base)
        if fetched is None:
            raise
        return fetched
    return render.json_response(manifest, headers=render.read_headers(seen))


@route("/{p1}", methods=READ, hot=True)
def get_package(p1: str) -> Response:
    return _packument(params.package_name(p1))


@route("/{p1}", methods=["PUT"], content_types=JSON_TYPES)
def put_package(p1: str) -> Response:
    return _put(params.package_name(p1))


@route("/{p1}/{p2}", methods=READ, hot=True)
def get_package_or_version(p1: str, p2: str) -> Response:
    if params.is_literal_scope(p1):
        return _packument(params.scoped_name(p1, p2))
    return _version(params.package_name(p1), p2)


@route("/{p1}/{p2}", methods=["PUT"], content_types=JSON_TYPES)
def put_scoped_package(p1: str, p2: str) -> Response:
    return _put(params.scoped_name(p1, p2))


@route("/{p1}/-rev/{rev}", methods=["PUT"], content_types=JSON_TYPES)
def put_package_rev(p1: str, rev: str) -> Response:
    return _put(params.package_name(p1), rev)


@route("/{p1}/{p2}/-rev/{rev}", methods=["PUT"], content_types=JSON_TYPES)
def put_scoped_package_rev(p1: str, p2: str, rev: str) -> Response:
    return _put(params.scoped_name(p1, p2), rev)


@route("/{p1}/-rev/{rev}", methods=["DELETE"])
def delete_package(p1: str, rev: str) -> Response:
    return _delete(params.package_name(p1), rev)


@route("/{p1}/{p2}/-rev/{rev}", methods=["DELETE"])
def delete_scoped_package(p1: str, p2: str, rev: str) -> Response:
    return _delete(params.scoped_name(p1, p2), rev)


@route("/{p1}/{p2}/{p3}", methods=READ, hot=True)
def get_scoped_version(p1: str, p2: str, p3: str) -> Response:
    return _version(params.scoped_name(p1, p2), p3)


# --- tarballs ---------------------------------------------------------------------------------


def _tarball(name: str, file: str) -> Response:
    registry = wiring.registry()
    note(operation="tarball")
    who = optional_actor(registry, current())
    try:
        found = locate_tarball(registry, who, name, params.tarball_file(file))
    except TarballNotFoundError:
        fetched = upstream_tarball_answer(registry, who, name, params.tarball_file(file))
        if fetched is None:
            raise
        return fetched
    if current().method == "GET":  # counted in memory, stored in batches (downloads/counter.py)
        wiring.download_counter().record(name, found.version, public=not found.private)
    if found.url is not None:
        return render.redirect(found.url)
    if found.path is not None:
        return render.sendfile(found.path, private=found.private)
    return render.tarball_bytes(found.data or b"", private=found.private)


@route("/{p1}/-/{file}", methods=READ, hot=True)
def get_tarball(p1: str, file: str) -> Response:
    return _tarball(params.package_name(p1), file)


@route("/{p1}/{p2}/-/{file}", methods=READ, hot=True)
def get_scoped_tarball(p1: str, p2: str, file: str) -> Response:
    return _tarball(params.scoped_name(p1, p2), file)


def _delete_tarball(name: str, file: str, rev: str) -> Response:
    # The second half of `npm unpublish pkg@version` (libnpmpublish): the PUT already removed the
    # version and its bytes, so this only confirms it.
    registry, request = wiring.registry(), current()
    delete_tarball(registry, actor(registry, request), name, params.tarball_file(file))
    return render.json_response({"ok": True})


@route("/{p1}/-/{file}/-rev/{rev}", methods=["DELETE"])
def delete_package_tarball(p1: str, file: str, rev: str) -> Response:
    return _delete_tarball(params.package_name(p1), file, rev)


@route("/{p1}/{p2}/-/{file}/-rev/{rev}", methods=["DELETE"])
def delete_scoped_tarball(p1: str, p2: str, file: str, rev: str) -> Response:
    return _delete_tarball(params.scoped_name(p1, p2), file, rev)


@route("/-/_view/starredByUser", methods=["GET"])
def stars() -> Response:
    # npm stars: ?key="alice" (a JSON string, as CouchDB views take it).
    registry, request = wiring.registry(), current()
    user = params.json_string(dict(request.query_params or {}).get("key", ""))
    return render.json_response(starred_by(registry, optional_actor(registry, request), user))


# --- dist-tags --------------------------------------------------------------------------------


def _tag_write(name: str, tag: str, *, remove: bool) -> Response:
    registry, request = wiring.registry(), current()
    who, base, tag = actor(registry, request), base_url(registry, request), params.unquote(tag)
    if remove:
        dist_tags.remove_dist_tag(registry, who, name, tag, base)
    else:
        version = params.json_body(request.raw_body)
        dist_tags.set_dist_tag(registry, who, name, tag, version, base)
    return render.json_response({"ok": True}, status=200 if remove else 201)


def _tags(name: str) -> Response:
    registry = wiring.registry()
    who = optional_actor(registry, current())
    return render.json_response(dist_tags.get_dist_tags(registry, who, name))


def _set_access(name: str) -> Response:
    registry, request = wiring.registry(), current()
    body = params.json_body(request.raw_body)
    who, base = actor(registry, request), base_url(registry, request)
    updated = access.set_access(registry, who, name, body, base)
    return render.json_response({"ok": True, "id": name, "rev": rev_string(updated)})


@route("/-/package/{p1}/access", methods=["POST"], content_types=JSON_TYPES)
def post_access(p1: str) -> Response:
    return _set_access(params.package_name(p1))


@route("/-/package/{p1}/{p2}/access", methods=["POST"], content_types=JSON_TYPES)
def post_scoped_access(p1: str, p2: str) -> Response:
    return _set_access(params.scoped_name(p1, p2))


@route("/-/package/{p1}/visibility", methods=["GET"])
def get_visibility(p1: str) -> Response:
    registry = wiring.registry()
    who = optional_actor(registry, current())
    return render.json_response(access.visibility(registry, who, params.package_name(p1)))


@route("/-/package/{p1}/{p2}/visibility", methods=["GET"])
def get_scoped_visibility(p1: str, p2: str) -> Response:
    registry, name = wiring.registry(), params.scoped_name(p1, p2)
    who = optional_actor(registry, current())
    return render.json_response(access.visibility(registry, who, name))


@route("/-/package/{p1}/dist-tags", methods=["GET"])
def get_dist_tags(p1: str) -> Response:
    return _tags(params.package_name(p1))


@route("/-/package/{p1}/{p2}/dist-tags", methods=["GET"])
def get_scoped_dist_tags(p1: str, p2: str) -> Response:
    return _tags(params.scoped_name(p1, p2))


@route("/-/package/{p1}/dist-tags/{tag}", methods=["PUT", "DELETE"], content_types=JSON_TYPES)
def change_dist_tag(p1: str, tag: str) -> Response:
    method = current().method
    return _tag_write(params.package_name(p1), tag, remove=method == "DELETE")


@route("/-/package/{p1}/{p2}/dist-tags/{tag}", methods=["PUT", "DELETE"], content_types=JSON_TYPES)
def change_scoped_dist_tag(p1: str, p2: str, tag: str) -> Response:
    method = current().method
    return _tag_write(params.scoped_name(p1, p2), tag, remove=method == "DELETE")
