"""The HTML page behind npm's `loginUrl`: sign in (or sign up, for `npm adduser`)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from chalice.app import Response

from chalicelib.errors import RegistryError
from chalicelib.http.errors import status_for

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title} · tarbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 16px system-ui, sans-serif; max-width: 24rem; margin: 4rem auto; padding: 0 1rem; }}
label {{ display: block; margin: .8rem 0 .2rem; }} input {{ width: 100%; padding: .4rem; }}
button {{ margin-top: 1.2rem; padding: .5rem 1.2rem; }}
.error {{ color: #b00020; }}
</style></head>
<body>
<h1>{title}</h1>
<p>npm is waiting for you in your terminal.</p>
{error}
<form method="post">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required>
{email}
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="otp">One-time password (if you use two-factor auth)</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code">
<button id="submit" type="submit">{title}</button>
</form>
</body></html>
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
EMAIL = (
    '<label for="email">Email (public)</label>'
    '<input id="email" name="email" type="email" autocomplete="email" required>'
)
DONE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Logged in · tarbox</title></head>
<body style="font: 16px system-ui, sans-serif; max-width: 24rem; margin: 4rem auto;">
<h1 id="done">Logged in as {name}</h1><p>You can close this page and return to your terminal.</p>
</body></html>
"""


def form(*, create: bool, error: str | None = None, status: int = 200) -> Response:
    title = "Create your account" if create else "Sign in"
    body = PAGE.format(
        title=title,
        email=EMAIL if create else "",
        error=f'<p class="error" id="error">{escape(error)}</p>' if error else "",
    )
    return _html(body, status)


def done(name: str) -> Response:
    return _html(DONE.format(name=escape(name)), 200)


def _html(body: str, status: int) -> Response:
    # The page holds a form for a password: never cache it, never frame it.
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": CSP,
    }
    return Response(body=body, status_code=status, headers=headers)


def submit(attempt: Callable[[], str], *, create: bool) -> Response:
    """Run the form's sign-in; a refusal shows the form again with the reason, as HTML."""
    try:
        return done(attempt())
    except RegistryError as exc:
        return form(create=create, error=exc.message, status=status_for(exc))
