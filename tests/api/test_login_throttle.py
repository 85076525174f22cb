"""Password and one-time-password guessing, on both backends (issue 13, "authentication that
strangers cannot abuse"): nobody elsewhere can lock an account, one address guessing at any names
is stopped, parallel guesses are counted before their hash, and a name with no account answers as
a wrong password. Each address is the one the front door vouches for (`x-tarbox-edge`, see
chalicelib/http/request.py), so one test speaks from many. The password hash is made cheap here:
what is counted is attempts, not time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher

from chalicelib import wiring
from chalicelib.auth import passwords, service
from chalicelib.auth.service import check_password
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.errors import IncorrectPasswordError, RateLimitedError
from tests.api.conftest import Api, body_of
from tests.api.helpers import enable, otp
from tests.builders import a_publish_body

SECRET = "throttle-tests-edge"
USER = "/-/user/org.couchdb.user:alice"


@pytest.fixture
def addresses(any_api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", lambda: cheap)
    monkeypatch.setattr(service, "_DUMMY", [])
    any_api.configure(TARBOX_EDGE_SECRET=SECRET)
    yield any_api


def login(api: Api, password: str, address: str, name: str = "alice") -> Any:
    return api.call(
        "PUT",
        f"/-/user/org.couchdb.user:{name}",
        {"name": name, "password": password},
        headers={"x-tarbox-edge": SECRET, "x-forwarded-for": address},
    )


def test_guesses_from_everywhere_never_lock_the_owner_out(addresses: Api) -> None:
    addresses.add_user("alice")
    for machine in range(12):  # 120 wrong passwords, 10 from each of 12 addresses
        for _ in range(10):
            assert login(addresses, "guess", f"203.0.113.{machine}").status_code == 401
    # Each of those addresses is done for now; the owner, at home, is not.
    assert login(addresses, "guess", "203.0.113.0").status_code == 429
    assert login(addresses, "correct horse", "198.51.100.7").status_code == 201


def test_a_guesser_moving_through_its_ipv6_network_counts_as_one_address(
    addresses: Api,
) -> None:
    """An IPv6 host is given a /64 (RFC 6177): 2^64 addresses that one machine can rotate
    through, so guesses are counted by the /64; IPv4 carried in IPv6 counts as the IPv4."""
    addresses.add_user("alice")
    for host in range(10):
        assert login(addresses, "guess", f"2001:db8:1:2::{host:x}").status_code == 401
    assert login(addresses, "guess", "2001:db8:1:2:ffff::1").status_code == 429
    assert login(addresses, "correct horse", "2001:db8:1:3::1").status_code == 201  # next /64
    for _ in range(10):
        assert login(addresses, "guess", "192.0.2.8").status_code == 401
    assert login(addresses, "guess", "::ffff:192.0.2.8").status_code == 429
    assert login(addresses, "guess", "2002:c000:208::1").status_code == 429  # 6to4 of it


def test_a_guesser_moving_through_its_ipv6_48_is_counted_there_too(addresses: Api) -> None:
    """A tunnel broker hands out a /48 (65,536 /64s) for free: the /48 has counters of its own,
    at four times the limits of a /64."""
    addresses.add_user("alice")
    for network in range(4):  # 10 guesses from each of four /64s of one /48
        for host in range(10):
            assert (
                login(addresses, "guess", f"2001:db8:7:{network}::{host + 1:x}").status_code == 401
            )
    assert login(addresses, "guess", "2001:db8:7:99::1").status_code == 429  # a fifth /64
    assert login(addresses, "correct horse", "2001:db8:8::1").status_code == 201  # another /48


def test_one_address_guessing_at_any_names_is_stopped(
    addresses: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.auth import throttle

    monkeypatch.setattr(throttle, "MAX_ATTEMPTS_PER_ADDRESS", 20)
    addresses.add_user("alice")
    for i in range(20):  # names with no account cost a hash too: they count
        answer = login(addresses, "guess", "203.0.113.5", name=f"nobody{i}")
        assert answer.status_code == 401
    refused = login(addresses, "correct horse", "203.0.113.5")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert login(addresses, "correct horse", "198.51.100.7").status_code == 201


def test_a_name_with_no_account_answers_as_a_wrong_password(addresses: Api) -> None:
    addresses.add_user("alice")
    wrong = login(addresses, "guess", "198.51.100.7")
    nobody = login(addresses, "guess", "198.51.100.7", name="nobody")
    assert wrong.status_code == nobody.status_code == 401
    assert body_of(wrong) == body_of(nobody)


def test_parallel_guesses_are_counted_before_their_hash(
    addresses: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    addresses.add_user("alice")
    registry = wiring.registry()
    slow = threading.Barrier(60, timeout=30)

    def verify(stored: str, password: str) -> bool:
        slow.wait()  # all 60 are past any check made before the hash, together
        return False

    outcomes: list[str] = []

    def guess() -> None:
        try:
            check_password(
                registry.accounts, "alice", "guess", LoginThrottle(registry.ephemeral, "10.0.0.1")
            )
        except IncorrectPasswordError:
            outcomes.append("checked")
        except RateLimitedError:
            outcomes.append("refused")
            slow.wait()

    monkeypatch.setattr(service, "verify_password", verify)
    threads = [threading.Thread(target=guess) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes.count("checked") == 10 and outcomes.count("refused") == 50


def test_a_token_holder_guessing_codes_cannot_lock_the_owners_codes(addresses: Api) -> None:
    alice = addresses.add_user("alice")
    totp, _ = enable(addresses, alice)
    assert addresses.call(
        "PUT", "/foo", a_publish_body("foo"), token=alice, headers=otp(totp.now())
    )
    wrong = "000000" if totp.now() != "000000" else "111111"
    elsewhere = {"x-tarbox-edge": SECRET, "x-forwarded-for": "203.0.113.9"}
    for _ in range(10):
        guessed = addresses.call(
            "PUT",
            "/-/package/foo/dist-tags/latest",
            "1.0.0",
            token=alice,
            headers={**elsewhere, **otp(wrong)},
        )
        assert guessed.status_code == 401
    held = addresses.call(
        "PUT",
        "/-/package/foo/dist-tags/latest",
        "1.0.0",
        token=alice,
        headers={**elsewhere, **otp(wrong)},
    )
    assert held.status_code == 429
    home = {"x-tarbox-edge": SECRET, "x-forwarded-for": "198.51.100.7", **otp(totp.now())}
    tagged = addresses.call(
        "PUT", "/-/package/foo/dist-tags/latest", "1.0.0", token=alice, headers=home
    )
    assert tagged.status_code in (200, 201), tagged.body


def test_password_hashes_wait_for_a_free_slot_then_answer_429(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(passwords, "WAIT_SECONDS", 0.05)
    held = [passwords.SLOTS.acquire(blocking=False) for _ in range(64)]
    try:
        with pytest.raises(RateLimitedError, match="Too many password checks at once"):
            passwords.verify_password("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "x")
    finally:
        for taken in held:
            if taken:
                passwords.SLOTS.release()
    assert passwords.verify_password("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "x") is False


def test_wrong_one_time_passwords_are_rate_limited(api: Api, alice: str) -> None:
    totp, _ = enable(api, alice, "auth-and-writes")
    api.call("PUT", "/foo", a_publish_body("foo"), token=alice, headers={"npm-otp": totp.now()})
    wrong = "000000" if totp.now() != "000000" else "111111"
    path = "/-/package/foo/dist-tags/latest"
    statuses = [
        api.call("PUT", path, "1.0.0", token=alice, headers={"npm-otp": wrong}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    # even the right code waits now
    assert (
        api.call("PUT", path, "1.0.0", token=alice, headers={"npm-otp": totp.now()}).status_code
        == 429
    )
