"""tarbox: the npm registry API on AWS Chalice. This module only assembles the app: the Chalice
app itself, its middleware, the Blueprints of chalicelib/routes/ (every route, one module per
area) and the hook worker's event source. It is the Lambda entry point: `app.app` for the API,
`app.hook_worker` for the HookWorker function (infra/template.json).
"""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Chalice, Request, Response

from chalicelib import wiring
from chalicelib.http.errors import npm_shaped
from chalicelib.http.observe import observed
from chalicelib.http.request import configured_url
from chalicelib.routes import (
    access,
    audit,
    billing,
    discovery,
    hooks,
    monitoring,
    orgs,
    packages,
    stage,
    supply_chain,
    tarballs,
    users,
)

# Logs are powertools' (chalicelib/http/observe.py); Chalice's handler would print them twice.
app = Chalice(app_name="tarbox", configure_logs=False)
for area in (
    monitoring,
    packages,
    tarballs,
    users,
    access,
    orgs,
    discovery,
    hooks,
    supply_chain,
    stage,
    audit,
    billing,
):
    app.register_blueprint(area.blueprint)


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
