"""Run the GUI tests' graph and dump what the WorkGraph web GUI's endpoints answer, as JSON.

    AIIDA_PATH=/tmp/some-config python scripts/gui_observe.py OUT.json [PK]

Runs with this package or with upstream aiida-workgraph 0.9.0 installed (with aiida-gui and aiida-gui-workgraph), in
the default profile of ``AIIDA_PATH``; upstream's in-process ``run()`` needs the profile's broker (start its daemon
with ``PYTHONPATH=tests/gui``). ``tests/data/gui-upstream-0.9.0.json`` was made from its output with upstream.
Without ``PK`` it runs ``tests/gui/gui_graph.py``'s graph first.
"""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Any

GUI_TESTS = pathlib.Path(__file__).resolve().parent.parent / 'tests' / 'gui'


def observe(pk: int | None) -> dict[str, Any]:
    """Run the graph (unless ``pk`` is given) and return what the GUI's endpoints and our two names give for it."""
    from aiida import load_profile, orm

    load_profile()
    sys.path.insert(0, str(GUI_TESTS))
    import gui_graph

    if pk is None:
        wg = gui_graph.build_graph()
        try:
            wg.run()
        except Exception as exception:  # noqa: BLE001 - recorded, the graph is dumped anyway
            print('run raised', type(exception), exception)
        pk = wg.pk
    node = orm.load_node(pk)
    result: dict[str, Any] = {'pk': pk, 'class': f'{type(node).__module__}.{type(node).__name__}'}
    try:
        result['workgraph_data_short'] = node.workgraph_data_short
    except Exception as exception:  # noqa: BLE001
        result['workgraph_data_short'] = repr(exception)
    from aiida_workgraph.utils import get_processes_latest

    for kwargs in [{}, {'item_type': 'called_process'}, {'task_name': 'add'}, {'task_name': 'nonexistent'}]:
        try:
            result[f'gpl {kwargs}'] = get_processes_latest(pk, **kwargs)
        except Exception as exception:  # noqa: BLE001
            result[f'gpl {kwargs}'] = repr(exception)
    from aiida_gui.app.api import app
    from fastapi.testclient import TestClient

    client = TestClient(app, raise_server_exceptions=False)
    gets = [
        f'/plugins/workgraph/api/workgraph/{pk}',
        f'/plugins/workgraph/api/workgraph-state/{pk}',
        f'/plugins/workgraph/api/workgraph-state/{pk}?item_type=called_process',
        '/plugins/workgraph/api/workgraph-data',
        f'/api/process/{pk}',
        f'/api/process-logs/{pk}',
        f'/api/workchain-state/{pk}?item_type=called_process',
        f'/api/workchain-state/{pk}?item_type=task',
        f'/api/task/{pk}/add',
        f'/api/task/{pk}/fail',
        f'/api/task/{pk}/map_zone',
        f'/plugins/workgraph/api/workgraph/{pk}/map_zone',
        '/api/process-data',
    ]
    for path in gets:
        response = client.get(path)
        try:
            body = response.json()
        except ValueError:
            body = response.text[:300]
        result[f'GET {path}'] = {'status': response.status_code, 'body': body}
    posts = [(f'/api/process/tasks/pause/{pk}', [{'name': 'add', 'pk': 1}]), (f'/api/process/pause/{pk}', None)]
    for path, payload in posts:
        response = client.post(path, json=payload)
        result[f'POST {path}'] = {'status': response.status_code, 'body': response.text[:500]}
    return result


if __name__ == '__main__':
    out = sys.argv[1]
    data = observe(int(sys.argv[2]) if len(sys.argv) > 2 else None)
    pathlib.Path(out).write_text(json.dumps(data, indent=1, default=str), encoding='utf-8')
    print('wrote', out, data['pk'])
