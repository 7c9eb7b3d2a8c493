"""A real OpenID Connect provider for the council sign-in tests: `oidc_provider/provider.js` under Node.

``oidc_provider`` (session-scoped) installs the provider's pinned packages with ``npm ci`` when
``node_modules`` is missing (one process at a time: under pytest-xdist each worker starts a provider of
its own, and waits for another's install to finish), starts it on a free port with the app's redirect
address, and stops it after the run. Without Node the tests are skipped, except in CI, where that is an
error (as for Chromium). The app is served (``serve_on``) or addressed (``BASE_URL``) at one port chosen for
the whole run, since a provider only sends people back to the exact address registered for a client.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_SECRET = "test-client-secret"
CALLBACK_PATH = "/sign-in/oidc/callback"


@dataclass(frozen=True)
class Provider:
    issuer: str
    app_base: str  # where the app must be served: the provider's clients send people back here

    def settings(self, client_id: str = "wellbeing", **overrides) -> dict:
        """Settings for ``make_app`` that point the app at this provider as ``client_id``."""
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": client_id, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "OIDC_ALLOWED_DOMAINS": (), "OIDC_EMAIL_CLAIM": "email", "BASE_URL": self.app_base,
                "RATELIMIT_ENABLED": False, **overrides}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _require_node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI"):
            raise RuntimeError("the council sign-in tests need Node.js 20 and npm")
        pytest.skip("Node.js and npm are not installed: the council sign-in tests need them")
    # npm ci deletes node_modules first: two at once would break each other's install. A lock on the
    # provider's folder (released when its descriptor closes) lets one worker install; the others then find it.
    lock = os.open(PROVIDER_DIR, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
            result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR,
                                    capture_output=True, text=True, check=False)
            if result.returncode != 0:
                if os.environ.get("CI"):
                    raise RuntimeError("npm ci failed in " + str(PROVIDER_DIR) + ":\n" + result.stderr)
                pytest.skip("npm ci failed in tests/rosters/oidc_provider (no npm registry?): " + result.stderr[-300:])
    finally:
        os.close(lock)
    return node


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    node = _require_node()
    provider_port, app_port = _free_port(), _free_port()
    app_base = f"http://127.0.0.1:{app_port}"
    env = {**os.environ, "PROVIDER_PORT": str(provider_port), "REDIRECT_URI": app_base + CALLBACK_PATH,
           "POST_LOGOUT_REDIRECT_URI": app_base + "/sign-in"}
    process = subprocess.Popen([node, "provider.js"], cwd=PROVIDER_DIR, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    issuer = f"http://127.0.0.1:{provider_port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # wait until it answers (start-up only; nothing here is measured)
            if process.poll() is not None:
                raise RuntimeError("the OpenID provider stopped: " + (process.stdout.read() if process.stdout else ""))
            try:
                if requests.get(issuer + "/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the OpenID provider did not start")
            time.sleep(0.2)
        yield Provider(issuer=issuer, app_base=app_base)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serve_on(app: Flask, base: str) -> Iterator[str]:
    """Serve the app at ``base`` (the address the provider knows); yields it."""
    server = make_server("127.0.0.1", urlsplit(base).port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def provider_sign_in(client, provider: Provider, login: str, start: str = "/sign-in/oidc",
                     alter_callback: Callable[[str], str] | None = None):
    """Go through the provider's own pages without a browser: its login form (any password) and consent.

    ``client`` is a Flask test client: it starts the sign-in and receives the callback; in between, a
    ``requests`` session is the browser at the provider. ``alter_callback`` may change the address the
    provider sends the browser back to. Returns the app's answer to the callback.
    """
    response = client.get(start)
    assert response.status_code == 302, response.status_code
    browser = requests.Session()
    url, data = response.headers["Location"], None
    for _ in range(20):
        if url.startswith(provider.app_base):
            parts = urlsplit(alter_callback(url) if alter_callback else url)
            return client.get(parts.path + "?" + parts.query)
        answer = browser.post(url, data=data, allow_redirects=False, timeout=10) if data else \
            browser.get(url, allow_redirects=False, timeout=10)
        data = None
        if answer.is_redirect:
            url = urljoin(url, answer.headers["Location"])
            continue
        assert answer.status_code == 200, (answer.status_code, answer.text[:500])
        action = urljoin(url, unescape(FORM_ACTION.search(answer.text).group(1)))
        if 'name="login"' in answer.text:
            data = {"prompt": "login", "login": login, "password": "any password"}
        else:
            data = {"prompt": "consent"}
        url = action
    raise AssertionError("the provider never sent the browser back to the app")
