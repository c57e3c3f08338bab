"""Fixtures of the tests with the WorkGraph web GUI (aiida-gui and its plugin aiida-gui-workgraph).

The GUI is a FastAPI app (``aiida_gui.app.api:app``) that loads the profile named by ``AIIDA_GUI_PROFILE`` when it is
imported; these fixtures point it to the session's temporary profile. ``gui_client`` calls the app in this
interpreter (starlette's ``TestClient``); ``gui_server`` runs it as users do, with uvicorn in its own process on
127.0.0.1, for the browser test. Where the GUI packages are not installed, the tests skip and say what to install.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiida import orm
from upstream_db.conftest import upstream_graphs  # noqa: F401 - the graphs upstream 0.9.0 ran, for these tests too

DATA = Path(__file__).resolve().parent.parent / 'data'
#: What upstream aiida-workgraph 0.9.0 gave the GUI for ``gui_graph.build_graph()`` (``scripts/gui_observe.py``).
UPSTREAM_OBSERVED = DATA / 'gui-upstream-0.9.0.json'
GUI_PACKAGES = 'aiida-gui and aiida-gui-workgraph (pip install -e .[tests] installs them)'
SERVER_TIMEOUT = 60


def require_gui() -> None:
    """Skip the test, saying why, if the GUI's packages (or what its test client needs) are not importable."""
    for module in ('aiida_gui', 'aiida_gui_workgraph', 'fastapi', 'httpx'):
        pytest.importorskip(module, reason=f'the WorkGraph web GUI is not installed (no `{module}`): {GUI_PACKAGES}')


@pytest.fixture(scope='session')
def upstream_observed() -> dict[str, Any]:
    """The GUI data upstream 0.9.0 gave for the same graph."""
    return json.loads(UPSTREAM_OBSERVED.read_text(encoding='utf-8'))


@pytest.fixture(scope='session')
def gui_graph_node(aiida_profile: Any) -> orm.ProcessNode:
    """The process node of ``gui_graph.build_graph()`` run once by this package (it ends with exit status 302)."""
    from gui.gui_graph import build_graph

    wg = build_graph()
    wg.run()
    return wg.process


@pytest.fixture(scope='session')
def gui_app(aiida_profile: Any) -> Any:
    """The GUI's FastAPI app, with its plugins (the WorkGraph one among them), on the session's profile."""
    require_gui()
    os.environ['AIIDA_GUI_PROFILE'] = aiida_profile.name
    from aiida_gui.app.api import app

    return app


@pytest.fixture
def gui_client(gui_app: Any) -> Iterator[Any]:
    """A client of the GUI's app that turns the app's errors into HTTP 500 answers, as the server does."""
    from fastapi.testclient import TestClient

    with TestClient(gui_app, raise_server_exceptions=False) as client:
        yield client


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='session')
def gui_server(aiida_profile: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the GUI's server (uvicorn, ``aiida_gui.app.api:app``) on 127.0.0.1 and return its base URL.

    The server is its own process on the session's profile (``AIIDA_PATH`` and ``AIIDA_GUI_PROFILE``); it is
    stopped at the end of the session.
    """
    require_gui()
    pytest.importorskip('uvicorn', reason=f'uvicorn is not installed: {GUI_PACKAGES}')
    port = free_port()
    url = f'http://127.0.0.1:{port}'
    log_path = tmp_path_factory.mktemp('gui-server') / 'uvicorn.log'
    env = {**os.environ, 'AIIDA_GUI_PROFILE': aiida_profile.name}
    command = [sys.executable, '-m', 'uvicorn', 'aiida_gui.app.api:app', '--host', '127.0.0.1', '--port', str(port)]
    with open(log_path, 'wb') as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + SERVER_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f'{url}/api', timeout=2):  # noqa: S310 - our own local server
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f'the GUI server did not answer on {url}:\n{log_path.read_text(errors="replace")}')
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
