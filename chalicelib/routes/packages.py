"""Packages: packuments and version manifests (the reads every install makes), `npm publish`,
deprecate, star and owner changes (every `PUT`, classified by its body: lifecycle/put.py),
`npm unpublish`, `npm dist-tag` and `npm stars`.

Paths by shape: `/{p1}` is `foo` or `@s%2fn`; `/{p1}/{p2}` is the literal `@s/n`, or a package
and a version or tag (chalicelib/http/params.py tells them apart)."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.errors import PackageNotFoundError
from chalicelib.http import params, render
from chalicelib.http.observe import note
from chalicelib.http.request import actor, base_url, header, optional_actor
from chalicelib.http.routing import JSON_TYPES, READ, current_request, router
from chalicelib.http.upstream_answers import upstream_packument_answer, upstream_version_answer
from chalicelib.lifecycle import dist_tags, put
from chalicelib.lifecycle.stars import starred_by
from chalicelib.lifecycle.unpublish import unpublish_package
from chalicelib.packuments.render import rev_string
from chalicelib.serving.documents import offload_url, read_document
from chalicelib.serving.lookup import version_document

blueprint = Blueprint(__name__)
_route = router(blueprint)


def _request() -> Request:
    return current_request(blueprint)


# --- packuments and versions ------------------------------------------------------------------


def _packument(name: str) -> Response:
    registry, request = wiring.registry(), _request()
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
    # (writes/edge.py). Not one read with a query (`?write=true`): its invalidation covers
    # the plain path only.
    edge_age = registry.settings.edge_max_age if registry.edge is not None and not query else 0
    return render.document(
        doc, header(request, "if-none-match"), offload_url(registry, doc), edge_age
    )


def _version(name: str, spec: str) -> Response:
    registry, request = wiring.registry(), _request()
    who, base = optional_actor(registry, request), base_url(registry, request)
    try:
        manifest, seen = version_document(registry, who, name, params.unquote(spec), base)
    except PackageNotFoundError:
        fetched = upstream_version_answer(registry, who, name, params.unquote(spec), base)
        if fetched is None:
            raise
        return fetched
    return render.json_response(manifest, headers=render.read_headers(seen))


@_route("/{p1}", methods=READ, hot=True)
def get_package(p1: str) -> Response:
    return _packument(params.package_name(p1))


@_route("/{p1}/{p2}", methods=READ, hot=True)
def get_package_or_version(p1: str, p2: str) -> Response:
    if params.is_literal_scope(p1):
        return _packument(params.scoped_name(p1, p2))
    return _version(params.package_name(p1), p2)


@_route("/{p1}/{p2}/{p3}", methods=READ, hot=True)
def get_scoped_version(p1: str, p2: str, p3: str) -> Response:
    return _version(params.scoped_name(p1, p2), p3)


# --- publish, deprecate, star, owners, unpublish ----------------------------------------------


def _put(name: str, rev: str | None = None) -> Response:
    registry, request = wiring.registry(), _request()
    answer = put.put_package(
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
    registry, request = wiring.registry(), _request()
    who, base = actor(registry, request), base_url(registry, request)
    updated = unpublish_package(registry, who, name, params.unquote(rev), base)
    return render.json_response({"ok": True, "id": name, "rev": rev_string(updated)})


@_route("/{p1}", methods=["PUT"], content_types=JSON_TYPES)
def put_package(p1: str) -> Response:
    return _put(params.package_name(p1))


@_route("/{p1}/{p2}", methods=["PUT"], content_types=JSON_TYPES)
def put_scoped_package(p1: str, p2: str) -> Response:
    return _put(params.scoped_name(p1, p2))


@_route("/{p1}/-rev/{rev}", methods=["PUT"], content_types=JSON_TYPES)
def put_package_rev(p1: str, rev: str) -> Response:
    return _put(params.package_name(p1), rev)


@_route("/{p1}/{p2}/-rev/{rev}", methods=["PUT"], content_types=JSON_TYPES)
def put_scoped_package_rev(p1: str, p2: str, rev: str) -> Response:
    return _put(params.scoped_name(p1, p2), rev)


@_route("/{p1}/-rev/{rev}", methods=["DELETE"])
def delete_package(p1: str, rev: str) -> Response:
    return _delete(params.package_name(p1), rev)


@_route("/{p1}/{p2}/-rev/{rev}", methods=["DELETE"])
def delete_scoped_package(p1: str, p2: str, rev: str) -> Response:
    return _delete(params.scoped_name(p1, p2), rev)


@_route("/-/_view/starredByUser", methods=["GET"])
def stars() -> Response:
    # npm stars: ?key="alice" (a JSON string, as CouchDB views take it).
    registry, request = wiring.registry(), _request()
    user = params.json_string(dict(request.query_params or {}).get("key", ""))
    return render.json_response(starred_by(registry, optional_actor(registry, request), user))


# --- dist-tags --------------------------------------------------------------------------------


def _tag_write(name: str, tag: str, *, remove: bool) -> Response:
    registry, request = wiring.registry(), _request()
    who, base, tag = actor(registry, request), base_url(registry, request), params.unquote(tag)
    if remove:
        dist_tags.remove_dist_tag(registry, who, name, tag, base)
    else:
        version = params.json_body(request.raw_body)
        dist_tags.set_dist_tag(registry, who, name, tag, version, base)
    return render.json_response({"ok": True}, status=200 if remove else 201)


def _tags(name: str) -> Response:
    registry = wiring.registry()
    who = optional_actor(registry, _request())
    return render.json_response(dist_tags.get_dist_tags(registry, who, name))


@_route("/-/package/{p1}/dist-tags", methods=["GET"])
def get_dist_tags(p1: str) -> Response:
    return _tags(params.package_name(p1))


@_route("/-/package/{p1}/{p2}/dist-tags", methods=["GET"])
def get_scoped_dist_tags(p1: str, p2: str) -> Response:
    return _tags(params.scoped_name(p1, p2))


@_route("/-/package/{p1}/dist-tags/{tag}", methods=["PUT", "DELETE"], content_types=JSON_TYPES)
def change_dist_tag(p1: str, tag: str) -> Response:
    method = _request().method
    return _tag_write(params.package_name(p1), tag, remove=method == "DELETE")


@_route("/-/package/{p1}/{p2}/dist-tags/{tag}", methods=["PUT", "DELETE"], content_types=JSON_TYPES)
def change_scoped_dist_tag(p1: str, p2: str, tag: str) -> Response:
    method = _request().method
    return _tag_write(params.scoped_name(p1, p2), tag, remove=method == "DELETE")
