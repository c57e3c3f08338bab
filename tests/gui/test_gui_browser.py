"""The page of a WorkGraph in the web GUI, opened in headless Chromium: every task drawn, with its state's colour.

The GUI's server runs with uvicorn on 127.0.0.1 (``gui_server``); the browser is Debian's ``chromium`` (or the one
``WORKGRAPH_CHROMIUM`` names), driven by playwright. The page loads React and React Router from CDNs; the test serves
the copies in ``tests/data/gui-vendor`` instead and refuses every other request off the machine, so it needs no
network. Where playwright or the browser is missing, the test skips and says what to install.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiida import orm

VENDOR = Path(__file__).resolve().parent.parent / 'data' / 'gui-vendor'
BROWSER_FLAGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
]
#: What the CDN URLs of the GUI's page get: a vendored file, or (for esm.sh's react-dom) an ES module re-exporting
#: the ReactDOM global, as the GUI's own shims do for React.
CDN_FILES = {
    'https://unpkg.com/react@': 'react.production.min.js',
    'https://unpkg.com/react-dom@': 'react-dom.production.min.js',
    'https://unpkg.com/react-router-dom@': 'react-router-dom.bundle.min.js',
}
REACT_DOM_MODULE = (
    'const ReactDOM = window.ReactDOM; export default ReactDOM; export const { createPortal, findDOMNode, flushSync, '
    'render, unmountComponentAtNode, unstable_batchedUpdates, version } = ReactDOM;'
)
#: The title colour the page gives each task state (aiida-gui 0.2.4's ``WorkFlowItem``; other states: lightblue).
STATE_COLOURS = {
    'FINISHED': 'green',
    'RUNNING': 'orange',
    'CREATED': 'blue',
    'PLANNED': 'gray',
    'WAITING': 'purple',
    'KILLED': 'pink',
    'PAUSED': 'yellow',
    'FAILED': 'red',
}
TIMEOUT_MS = 60_000


def chromium_path() -> str:
    """The Chromium executable: ``WORKGRAPH_CHROMIUM``, else ``chromium`` on the PATH; skip if there is none."""
    path = os.environ.get('WORKGRAPH_CHROMIUM') or shutil.which('chromium') or shutil.which('chromium-browser')
    if not path:
        pytest.skip(
            "no Chromium browser: install Debian's `chromium` (apt-get install chromium) or set WORKGRAPH_CHROMIUM"
        )
    return path


@pytest.fixture(scope='module')
def browser() -> Iterator[Any]:
    """Headless Chromium, launched by playwright."""
    pytest.importorskip('playwright.sync_api', reason='playwright is not installed (pip install -e .[tests])')
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_FLAGS)
        yield browser
        browser.close()


def serve_offline(route: Any) -> None:
    """Answer a request off the machine: the vendored copy of a CDN file, else refuse it."""
    url = route.request.url
    if url.startswith('https://esm.sh/react-dom@'):
        route.fulfill(body=REACT_DOM_MODULE, content_type='application/javascript')
        return
    for prefix, name in CDN_FILES.items():
        if url.startswith(prefix):
            route.fulfill(path=str(VENDOR / name), content_type='application/javascript')
            return
    route.abort()


@pytest.fixture
def page(browser: Any, gui_server: str) -> Iterator[Any]:
    """A new page of the GUI (1600x1000), with the CDN files served locally and JavaScript errors collected."""
    context = browser.new_context(viewport={'width': 1600, 'height': 1000})
    page = context.new_page()
    page.route(lambda url: not url.startswith(gui_server), serve_offline)
    page.errors = []
    page.on('pageerror', lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def open_workgraph(page: Any, url: str, node: orm.ProcessNode) -> dict[str, str]:
    """Open the page of ``node``, switch on the real-time state and return ``{title: background}`` of its tasks."""
    page.goto(f'{url}/workgraph/{node.pk}')
    names = set(node.workgraph_data_short['nodes'])
    titles = page.locator('[data-testid="title"]')
    page.wait_for_function(
        'n => document.querySelectorAll(\'[data-testid="title"]\').length >= n', arg=len(names), timeout=TIMEOUT_MS
    )
    assert set(titles.all_text_contents()) == names, page.errors
    page.locator('.realtime-switch').click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="title"]')].every(t => t.style.background !== '')""",
        timeout=TIMEOUT_MS,
    )
    return {title.text_content(): title.evaluate('t => t.style.background') for title in titles.all()}


def expected_colours(node: orm.ProcessNode) -> dict[str, str]:
    """``{task: colour}`` that the page should give the drawn tasks of ``node``, from the package's own records."""
    from aiida_workgraph.utils import get_processes_latest

    states = get_processes_latest(node.pk)
    return {name: STATE_COLOURS.get(states[name]['state'], 'lightblue') for name in node.workgraph_data_short['nodes']}


def test_workgraph_page_draws_every_task_with_its_state(
    page: Any, gui_server: str, gui_graph_node: orm.ProcessNode, tmp_path: Path
) -> None:
    """Every task and zone is drawn; the finished ones green, the failed one red, the skipped one the default."""
    colours = open_workgraph(page, gui_server, gui_graph_node)
    page.screenshot(path=str(tmp_path / 'workgraph.png'))

    assert colours == expected_colours(gui_graph_node)
    assert colours['fail'] == 'red'
    assert colours['after_fail'] == 'lightblue'  # SKIPPED
    assert {colours[name] for name in ('add', 'multiply', 'while_zone', 'increment', 'map_zone', 'square')} == {'green'}
    links = page.locator('[data-testid="connection"]')
    assert links.count() == len(gui_graph_node.workgraph_data_short['links'])
    assert page.errors == []


def test_summary_log_and_time_tabs(page: Any, gui_server: str, gui_graph_node: orm.ProcessNode) -> None:
    """The Summary tab shows the process state, the Log tab the engine's reports, the Time tab the task processes."""
    page.goto(f'{gui_server}/workgraph/{gui_graph_node.pk}')
    page.get_by_role('button', name='Summary').click()
    page.get_by_text('Finished [302]', exact=False).first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role('button', name='Log').click()
    page.get_by_text('fail was given 3', exact=False).first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role('button', name='Time').click()
    page.get_by_text('Node Process Timeline').wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(f'multiply-{gui_graph_node.base.attributes.get("task_processes")["multiply"]}').first.wait_for(
        timeout=TIMEOUT_MS
    )
    assert page.errors == []


def test_upstream_made_graph_page(page: Any, gui_server: str, upstream_graphs: dict[str, Any]) -> None:
    """A graph run by upstream 0.9.0, read by this package: every task drawn, in its recorded state's colour."""
    node = upstream_graphs['upstream_failed']
    colours = open_workgraph(page, gui_server, node)
    assert colours == expected_colours(node)
    assert 'red' in colours.values()
    assert page.errors == []
