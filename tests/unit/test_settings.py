"""Settings: defaults by backend, and failing fast."""

from __future__ import annotations

import pytest

from chalicelib.settings import AWS_MAX_TARBALL_BYTES, Settings, SettingsError


def test_embedded_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.backend == "embedded" and settings.data_dir == "./data"
    assert settings.max_tarball_bytes == 100 * 1024 * 1024
    assert settings.scope_claiming is True


def test_aws_needs_its_resource_names_and_has_the_lambda_limit() -> None:
    with pytest.raises(SettingsError, match="TARBOX_TABLE_NAME"):
        Settings.from_env({"TARBOX_BACKEND": "aws"})
    settings = Settings.from_env(
        {"TARBOX_BACKEND": "aws", "TARBOX_TABLE_NAME": "t", "TARBOX_BUCKET_NAME": "b"}
    )
    assert settings.max_tarball_bytes == AWS_MAX_TARBALL_BYTES < 6 * 1024 * 1024 * 3 // 4


def test_the_memory_backend_needs_nothing_and_takes_what_the_embedded_one_takes() -> None:
    settings = Settings.from_env({"TARBOX_BACKEND": "memory"})
    assert settings.backend == "memory"
    assert settings.max_tarball_bytes == 100 * 1024 * 1024
    assert settings.max_response_bytes is None


def test_bad_values_fail_fast() -> None:
    with pytest.raises(SettingsError, match=r"'embedded'.*'aws'.*'memory'"):
        Settings.from_env({"TARBOX_BACKEND": "cloud"})
    with pytest.raises(SettingsError):
        Settings.from_env({"TARBOX_MAX_TARBALL_BYTES": "lots"})
    assert Settings.from_env({"TARBOX_SCOPE_CLAIMING": "off"}).scope_claiming is False


def test_a_local_server_answers_with_a_bounded_set_of_base_urls() -> None:
    loopback = Settings.from_env({"TARBOX_BOUND_URL": "http://127.0.0.1:4873"})
    assert loopback.local_base_urls() == {
        "http://127.0.0.1:4873",
        "http://localhost:4873",
        "http://[::1]:4873",
    }
    lan = Settings.from_env({"TARBOX_BOUND_URL": "http://10.1.2.3:4873/"})
    assert lan.local_base_urls() == {"http://10.1.2.3:4873"}
    assert Settings.from_env({}).local_base_urls() == frozenset()
