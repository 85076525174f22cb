"""npm 11's default login: the real `npm login` / `npm adduser` polls while a real headless
Chromium signs in on the page tarbox serves."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pyotp
import requests
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from tests.e2e.browser import chromium
from tests.e2e.harness import Registry, Workspace, add_user, unique

PASSWORD = "correct horse"


def start_npm(workspace: Workspace, command: str) -> tuple[subprocess.Popen[str], str]:
    """Run `npm login|adduser` without a terminal: npm prints the login URL and polls."""
    npm = shutil.which("npm", path=workspace.env()["PATH"]) or "npm"
    process = subprocess.Popen(
        [npm, command],
        cwd=workspace.root,
        env=workspace.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"https?://\S+/-/v1/login/page/\S+", line)
        if found:
            return process, found.group(0)
    raise AssertionError(f"npm printed no login URL (exit {process.wait()})")


def finish(process: subprocess.Popen[str]) -> str:
    out = process.stdout.read() if process.stdout else ""
    assert process.wait(timeout=60) == 0, out
    return out


def fill(driver: WebDriver, url: str, fields: dict[str, str]) -> str:
    driver.get(url)
    for name, value in fields.items():
        driver.find_element(By.NAME, name).send_keys(value)
    button = driver.find_element(By.ID, "submit")
    button.click()
    # The answer is a new page: wait until the old one is gone before reading it.
    WebDriverWait(driver, 30).until(lambda _: gone(button))
    return str(driver.find_element(By.TAG_NAME, "h1").text)


def gone(element: WebElement) -> bool:
    """The element's page was replaced. Chromium says so with a stale-element error, or, while
    the new document is being attached, "Node with given id does not belong to the document"
    (a plain WebDriverException, which selenium's `staleness_of` does not catch)."""
    try:
        element.is_enabled()
    except WebDriverException:
        return True
    return False


def test_npm_login_through_the_browser(tmp_path: Path, registry: Registry) -> None:
    name = unique("web")
    add_user(registry, name, PASSWORD)
    workspace = Workspace(tmp_path / "w", registry)
    process, url = start_npm(workspace, "login")
    with chromium() as driver:
        # a wrong password shows the form again, and npm keeps waiting
        assert "Sign in" in fill(driver, url, {"username": name, "password": "wrong"})
        assert "Incorrect" in driver.find_element(By.ID, "error").text
        assert fill(driver, url, {"username": name, "password": PASSWORD}) == f"Logged in as {name}"
        # the page cannot be used twice
        driver.get(url)
        assert "expired" in driver.page_source
    finish(process)
    assert workspace.run("npm", "whoami").ok().out.strip() == name


def test_npm_adduser_creates_the_account_in_the_browser(tmp_path: Path, registry: Registry) -> None:
    name = unique("webnew")
    workspace = Workspace(tmp_path / "w", registry)
    process, url = start_npm(workspace, "adduser")
    with chromium() as driver:
        fields = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
        assert fill(driver, url, fields) == f"Logged in as {name}"
    finish(process)
    assert workspace.run("npm", "whoami").ok().out.strip() == name
    profile = requests.get(f"{registry.url}-/user/org.couchdb.user:{name}", timeout=30).json()
    assert profile["email"] == f"{name}@example.com"


def test_two_factor_users_give_their_code_on_the_page(tmp_path: Path, registry: Registry) -> None:
    name = unique("web2fa")
    token = add_user(registry, name, PASSWORD)
    headers = {"authorization": f"Bearer {token}"}
    started = requests.post(
        f"{registry.url}-/npm/v1/user",
        json={"tfa": {"mode": "auth-only", "password": PASSWORD}},
        headers=headers,
        timeout=30,
    ).json()
    totp = pyotp.TOTP(started["tfa"].split("secret=")[1].split("&")[0])
    requests.post(
        f"{registry.url}-/npm/v1/user", json={"tfa": [totp.now()]}, headers=headers, timeout=30
    )

    workspace = Workspace(tmp_path / "w", registry)
    process, url = start_npm(workspace, "login")
    with chromium() as driver:
        assert "Sign in" in fill(driver, url, {"username": name, "password": PASSWORD})
        assert "one-time password" in driver.find_element(By.ID, "error").text
        fields = {"username": name, "password": PASSWORD, "otp": totp.now()}
        assert fill(driver, url, fields) == f"Logged in as {name}"
    finish(process)
    assert workspace.run("npm", "whoami").ok().out.strip() == name
