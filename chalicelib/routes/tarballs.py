"""Tarballs: the download every install makes (`/{name}/-/{file}`, npm's literal `/@s/n/-/…` and
yarn's `@s%2fn/-/…`), counted, and the tarball half of `npm unpublish pkg@version`."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.errors import TarballNotFoundError
from chalicelib.http import params, render
from chalicelib.http.observe import note
from chalicelib.http.request import actor, optional_actor
from chalicelib.http.routing import READ, current_request, router
from chalicelib.http.upstream_answers import upstream_tarball_answer
from chalicelib.lifecycle.unpublish import delete_tarball
from chalicelib.serving.tarballs import locate_tarball

blueprint = Blueprint(__name__)
_route = router(blueprint)


def _request() -> Request:
    return current_request(blueprint)


def _tarball(name: str, file: str) -> Response:
    registry = wiring.registry()
    note(operation="tarball")
    who = optional_actor(registry, _request())
    try:
        found = locate_tarball(registry, who, name, params.tarball_file(file))
    except TarballNotFoundError:
        fetched = upstream_tarball_answer(registry, who, name, params.tarball_file(file))
        if fetched is None:
            raise
        return fetched
    if _request().method == "GET":  # counted in memory, stored in batches (downloads/counter.py)
        wiring.download_counter().record(name, found.version, public=not found.private)
    if found.url is not None:
        return render.redirect(found.url)
    if found.path is not None:
        return render.sendfile(found.path, private=found.private)
    return render.tarball_bytes(found.data or b"", private=found.private)


@_route("/{p1}/-/{file}", methods=READ, hot=True)
def get_tarball(p1: str, file: str) -> Response:
    return _tarball(params.package_name(p1), file)


@_route("/{p1}/{p2}/-/{file}", methods=READ, hot=True)
def get_scoped_tarball(p1: str, p2: str, file: str) -> Response:
    return _tarball(params.scoped_name(p1, p2), file)


def _delete_tarball(name: str, file: str, rev: str) -> Response:
    # The second half of `npm unpublish pkg@version` (libnpmpublish): the PUT already removed the
    # version and its bytes, so this only confirms it.
    registry, request = wiring.registry(), _request()
    delete_tarball(registry, actor(registry, request), name, params.tarball_file(file))
    return render.json_response({"ok": True})


@_route("/{p1}/-/{file}/-rev/{rev}", methods=["DELETE"])
def delete_package_tarball(p1: str, file: str, rev: str) -> Response:
    return _delete_tarball(params.package_name(p1), file, rev)


@_route("/{p1}/{p2}/-/{file}/-rev/{rev}", methods=["DELETE"])
def delete_scoped_tarball(p1: str, p2: str, file: str, rev: str) -> Response:
    return _delete_tarball(params.scoped_name(p1, p2), file, rev)
