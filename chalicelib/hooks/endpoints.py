"""Where hooks may send. On AWS a hook must not become a way to reach the registry's own network
(the instance metadata service at 169.254.169.254, VPC hosts, localhost), so endpoints that are,
or resolve to, loopback, private, link-local or otherwise reserved addresses are refused when the
hook is made and again before each attempt (a name can resolve elsewhere later), the attempt
connects to the address that was checked (a second lookup could answer another), and redirects
are never followed. An IPv6 address is checked with every IPv4 address it carries: IPv4-mapped
and IPv4-compatible forms, NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo
(2001::/32) reach that IPv4 host. On one machine (`tarbox serve`) the usual endpoint is on that
machine, so the embedded backend allows them (`TARBOX_HOOK_PRIVATE_ENDPOINTS`)."""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from chalicelib.errors import InvalidPayloadError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def check_endpoint(url: str, *, allow_private: bool) -> str | None:
    """The address to connect to (the first of the host's, all of them checked); None when
    private endpoints are allowed (then the connection resolves the name itself)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidPayloadError("endpoint must be an http(s) URL")
    if allow_private:
        return None
    addresses = _addresses(parsed.hostname, parsed.port or 443)
    for address in addresses:
        if not all(_public(ip) for ip in carried(ipaddress.ip_address(address.split("%", 1)[0]))):
            raise InvalidPayloadError(
                f"endpoint {parsed.hostname} is a private or reserved address: hooks may only "
                "reach public hosts"
            )
    return addresses[0]


def carried(ip: Address) -> list[Address]:
    """The address, and every IPv4 address a packet sent to it can reach."""
    if isinstance(ip, ipaddress.IPv4Address):
        return [ip]
    found: list[Address] = [ip]
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    elif int(ip) >> 32 == 0 and int(ip) > 1:  # IPv4-compatible ::a.b.c.d (not :: or ::1)
        found.append(low32)
    if any(ip in network for network in NAT64):
        found.append(low32)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # its server and its client
    return found


def _public(ip: Address) -> bool:
    return ip.is_global and not ip.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    try:
        return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    except (OSError, UnicodeError):
        raise InvalidPayloadError(f"endpoint host {host} does not resolve") from None
