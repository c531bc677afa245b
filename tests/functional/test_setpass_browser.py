"""The set-password flow in headless Chromium through the real HTML form (Debian's chromium).

Nothing is downloaded at run time: the browser and driver are /usr/bin/chromium and
/usr/bin/chromedriver from `apt-get install chromium chromium-driver`, given explicitly.
"""

from __future__ import annotations

import importlib.util
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import PIN, SetpassServer, can_log_in, new_user, register

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.keystone,
    pytest.mark.e2e,
    pytest.mark.skipif(
        importlib.util.find_spec("selenium") is None
        or not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
        reason="needs selenium and Debian's chromium + chromium-driver",
    ),
]


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def _message(driver: Any) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    element = WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.ID, "message")))
    return str(element.text)


def _fill(driver: Any, pin: str, password: str, confirm: str) -> None:
    """Submit the form and wait until the answer page replaced this one (the old page may carry
    a #message too, so waiting for #message alone could read the old page)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, "pin").send_keys(pin)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "confirm_password").send_keys(confirm)
    driver.find_element(By.ID, "submit").click()

    def replaced(_: Any) -> bool:
        """`ec.staleness_of`, plus the other word chromedriver has for a node of a page that is
        gone while the next one loads ("does not belong to the document")."""
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error.msg):
                return True
            raise
        return False

    WebDriverWait(driver, 20).until(replaced)


def test_set_password_in_headless_chromium(
    browser: Any,
    setpass_server: SetpassServer,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
) -> None:
    from selenium.webdriver.common.by import By

    user, temporary = new_user(keystone_admin, unique_name)
    link = (
        f"{setpass_server.url}?token={register(setpass_server, keystone_admin, user.id, temporary)}"
    )

    browser.get(link)
    assert browser.title == "Set your password"
    # the stylesheet loads under the CSP (computed style differs from the browser default)
    main = browser.find_element(By.TAG_NAME, "main")
    assert main.value_of_css_property("background-color") == "rgba(255, 255, 255, 1)"

    _fill(browser, "0000", "Browser-pass-1", "Browser-pass-1")
    assert _message(browser) == "Wrong pin"
    assert browser.find_element(By.ID, "hint").text == "2 attempts left."

    # the form comes back with the message on top; the user corrects the PIN there
    new_password = "Browser-" + secrets.token_urlsafe(12)
    _fill(browser, PIN, new_password, new_password)
    assert _message(browser) == "Password set."
    login = browser.find_element(By.ID, "login")
    assert login.get_attribute("href") == "https://cloud.example.org/dashboard"

    assert can_log_in(keystone_admin, user.id, new_password)
    assert not can_log_in(keystone_admin, user.id, temporary)

    browser.get(link)  # used up
    assert _message(browser) == "Token not found"


def test_expired_form_is_refused_in_chromium(browser: Any, setpass_server: SetpassServer) -> None:
    browser.get(f"{setpass_server.url}?token={secrets.token_urlsafe(32)}")
    assert _message(browser) == "Token not found"
    from selenium.webdriver.common.by import By

    assert browser.find_elements(By.TAG_NAME, "form") == []
