"""Every route of the registry, as one Chalice Blueprint per area, named in npm's words; app.py
registers them all. A view parses the request (chalicelib/http/), calls one use case of the
domain and renders its answer: no `try` (the error table wraps every view through
`http.routing.router`), no SDKs.

API Gateway allows one variable name per path level and Chalice has no usable greedy route, so
routes are declared by shape (`/{p1}`, `/{p1}/{p2}`, …) and dispatched in
`chalicelib.http.params`. docs/architecture.md's route table lists them all
(tests/unit/test_route_table.py holds it to `app.routes`)."""
