"""``WorkGraph.validate()``: a dry run of the walk that reports what every value becomes, and stores nothing."""

from __future__ import annotations

import threading

import numpy as np
from aiida import orm
from serialization_helpers import Params, SerializerWorkChain, add, count_nodes

from aiida_workgraph import WorkGraph, WorkGraphSerializationError


def test_validate_reports_every_value_and_stores_nothing() -> None:
    """Every value appears with the AiiDA type it will become; bad ones with reason and fix; nothing is stored."""
    lock = threading.Lock()
    wg = WorkGraph('validate_report')
    wg.add_task(add, name='good', x=1, y={'k': [1, 2]})
    wg.add_task(add, name='rich', x=np.array([1.0, 2.0]), y=Params(steps=3))
    wg.add_task(add, name='bad', x=lambda: 1, y=lock)
    wg.ctx = {'scale': 2.5}
    before = count_nodes()

    report = wg.validate()

    assert count_nodes() == before
    assert wg.process is None
    assert not report.ok
    assert report.values == {
        'tasks.good.x': 'aiida.orm.nodes.data.int.Int',
        'tasks.good.y': 'aiida.orm.nodes.data.dict.Dict',
        'tasks.rich.x': 'aiida.orm.nodes.data.array.array.ArrayData',
        'tasks.rich.y': 'aiida_pythonjob.data.jsonable_data.JsonableData',
        'ctx.scale': 'aiida.orm.nodes.data.float.Float',
    }
    assert {(problem.path, problem.type_name) for problem in report.problems} == {
        ('tasks.bad.x', 'builtins.function'),
        ('tasks.bad.y', '_thread.lock'),
    }
    text = str(report)
    assert 'tasks.good.x: aiida.orm.nodes.data.int.Int' in text
    assert 'tasks.bad.x: cannot be kept (builtins.function): a lambda' in text


def test_validate_agrees_with_run() -> None:
    """The problems of the dry run are exactly those ``run()`` raises; with them fixed, the report is clean."""
    wg = WorkGraph('validate_agrees')
    task = wg.add_task(add, name='add1', x={1, 2}, y=1)
    report = wg.validate(submit=False)

    try:
        report.raise_if_problems()
    except WorkGraphSerializationError as dry_error:
        dry_paths = [problem.path for problem in dry_error.problems]
    try:
        wg.run()
    except WorkGraphSerializationError as run_error:
        run_paths = [problem.path for problem in run_error.problems]
    assert dry_paths == run_paths == ['tasks.add1.x']

    task.set_inputs({'x': [1, 2]})
    fixed = wg.validate(submit=False)
    assert fixed.ok
    assert fixed.values == {
        'tasks.add1.x': 'aiida.orm.nodes.data.list.List',
        'tasks.add1.y': 'aiida.orm.nodes.data.int.Int',
    }


def test_validate_reports_plain_values_and_port_serializers() -> None:
    """``metadata`` stays plain JSON; a WorkChain port's own serializer decides the node type."""
    wg = WorkGraph('validate_ports')
    wg.add_task(SerializerWorkChain, name='chain', x=1.5, y=2, metadata={'label': 'added'})
    report = wg.validate()
    assert report.ok
    assert report.values == {
        'tasks.chain.x': f'{orm.Float.__module__}.Float',
        'tasks.chain.y': f'{orm.Float.__module__}.Float',
        'tasks.chain.metadata': 'plain',
    }
