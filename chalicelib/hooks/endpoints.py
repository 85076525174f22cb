"""Where hooks may send. On AWS a hook must not become a way to reach the registry's own network
(the instance metadata service at 169.254.169.254, VPC hosts, localhost), so endpoints that are,
or resolve to, loopback, private, link-local or otherwise reserved addresses are refused when the
hook is made and again before each attempt (a name can resolve elsewhere later), and redirects
are never followed. On one machine (`tarbox serve`) the usual endpoint is on that machine, so
the embedded backend allows them (`TARBOX_HOOK_PRIVATE_ENDPOINTS`)."""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from chalicelib.errors import InvalidPayloadError


def check_endpoint(url: str, *, allow_private: bool) -> None:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidPayloadError("endpoint must be an http(s) URL")
    if allow_private:
        return
    for address in _addresses(parsed.hostname, parsed.port or 443):
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise InvalidPayloadError(
                f"endpoint {parsed.hostname} is a private or reserved address: hooks may only "
                "reach public hosts"
            )


def _addresses(host: str, port: int) -> list[str]:
    try:
        return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    except (OSError, UnicodeError):
        raise InvalidPayloadError(f"endpoint host {host} does not resolve") from None
