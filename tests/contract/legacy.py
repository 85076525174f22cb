"""Rows and items as releases before the port extensions wrote them: no package `state`, no user
`updated`/`profile`/`tfa`, no token details. The stores must read them with the defaults.

Each writer reproduces the old adapter's write byte for byte (old JSON docs for SQLite, the old
attribute set for DynamoDB, through the same pynamodb models minus the new attributes). The
memory backend came after the extensions and keeps records, not documents: its writer puts in
records built from the old fields alone, straight into its tables, as nothing but a store could."""

from __future__ import annotations

import json
from typing import Protocol

from chalicelib.settings import Settings
from chalicelib.storage.embedded.database import SqliteDatabase
from chalicelib.storage.memory.database import MemoryDatabase
from chalicelib.storage.records import (
    Maintainer,
    PackageRecord,
    ScopeRecord,
    TokenRecord,
    UserRecord,
    VersionRecord,
)

T0 = "2024-01-02T03:04:05.678Z"
MAINTAINERS = [{"name": "alice", "email": "alice@example.com"}]


class LegacyWriter(Protocol):
    def package(self, name: str, rev: int = 1) -> None:
        """A package (with version 1.0.0) whose latest is 1.0.0, maintained by alice."""

    def user(self, name: str) -> None:
        """A user with email <name>@example.com and password hash "h", created at T0."""

    def token(self, key: str, user: str) -> None:
        """A read-write token of `user`, created at T0, with prefix "npm_old"."""


class SqliteLegacyWriter:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def package(self, name: str, rev: int = 1) -> None:
        doc = {
            "dist_tags": {"latest": "1.0.0"},
            "maintainers": MAINTAINERS,
            "access": "public",
            "created": T0,
            "modified": T0,
            "meta": {},
        }
        version = {
            "manifest": {"name": name, "version": "1.0.0"},
            "tarball_key": f"tarballs/{name}/1.0.0.tgz",
            "published": T0,
            "publisher": "alice",
            "readme": "",
        }
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO packages (name, lower_name, rev, doc) VALUES (?, ?, ?, ?)",
                (name, name.lower(), rev, json.dumps(doc)),
            )
            conn.execute(
                "INSERT INTO versions (name, version, doc) VALUES (?, ?, ?)",
                (name, "1.0.0", json.dumps(version)),
            )

    def user(self, name: str) -> None:
        doc = json.dumps({"email": f"{name}@example.com", "password_hash": "h", "created": T0})
        with self._db.transaction() as conn:
            conn.execute("INSERT INTO users (name, doc) VALUES (?, ?)", (name, doc))
            conn.execute(
                "INSERT INTO scopes (scope, owner, created) VALUES (?, ?, ?)", (name, name, T0)
            )

    def token(self, key: str, user: str) -> None:
        doc = json.dumps({"user": user, "readonly": False, "created": T0, "prefix": "npm_old"})
        with self._db.transaction() as conn:
            conn.execute("INSERT INTO tokens (key, doc) VALUES (?, ?)", (key, doc))


class DynamoLegacyWriter:
    def __init__(self, settings: Settings) -> None:
        from chalicelib.storage.aws.table import table_for

        self._t = table_for(settings)

    def package(self, name: str, rev: int = 1) -> None:
        t = self._t
        t.package(
            f"PKG#{name}",
            "PACKAGE",
            name=name,
            rev=rev,
            dist_tags=json.dumps({"latest": "1.0.0"}),
            maintainers=json.dumps(MAINTAINERS),
            access="public",
            created=T0,
            modified=T0,
            meta="{}",
        ).save()
        t.version(
            f"PKG#{name}",
            "VER#1.0.0",
            name=name,
            version="1.0.0",
            manifest=json.dumps({"name": name, "version": "1.0.0"}),
            tarball_key=f"tarballs/{name}/1.0.0.tgz",
            published=T0,
            publisher="alice",
            readme="",
        ).save()
        t.claim(f"NAME#{name.lower()}", "NAME", name=name).save()

    def user(self, name: str) -> None:
        t = self._t
        t.user(
            f"USER#{name}",
            "USER",
            name=name,
            email=f"{name}@example.com",
            password_hash="h",
            created=T0,
        ).save()
        t.scope(f"SCOPE#{name}", "SCOPE", scope=name, owner=name, created=T0).save()

    def token(self, key: str, user: str) -> None:
        self._t.token(
            f"TOKEN#{key}",
            "TOKEN",
            key=key,
            user=user,
            readonly=False,
            created=T0,
            prefix="npm_old",
        ).save()


class MemoryLegacyWriter:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def package(self, name: str, rev: int = 1) -> None:
        maintainers = tuple(Maintainer(m["name"], m["email"]) for m in MAINTAINERS)
        package = PackageRecord(name, rev, {"latest": "1.0.0"}, maintainers, "public", T0, T0)
        manifest = {"name": name, "version": "1.0.0"}
        version = VersionRecord(name, "1.0.0", manifest, f"tarballs/{name}/1.0.0.tgz", T0, "alice")
        with self._db.lock:
            self._db.packages[name] = package
            self._db.lower_names[name.lower()] = name
            self._db.versions.setdefault(name, {})["1.0.0"] = version

    def user(self, name: str) -> None:
        with self._db.lock:
            self._db.users[name] = UserRecord(name, f"{name}@example.com", "h", T0)
            self._db.scopes[name] = ScopeRecord(name, name, T0)

    def token(self, key: str, user: str) -> None:
        with self._db.lock:
            self._db.tokens[key] = TokenRecord(key, user, False, T0, "npm_old")
