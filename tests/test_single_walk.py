"""The engine visits (converts) every input value exactly once, between ``run()``/``save()`` and the first checkpoint.

``prepare_engine_inputs`` is the single walk; a pass-through spy records each call and the ``WalkResult`` it returns,
and :class:`tasks_for_tests.CountedPoint` counts how often a value is serialized with ``to_dict``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.common.links import LinkType
from aiida.engine import run_get_node
from tasks_for_tests import CountedPoint, add, cube, point_norm2

from aiida_workgraph import WorkGraph, WorkGraphSerializationError
from aiida_workgraph.engine import workgraph_engine
from aiida_workgraph.engine.workgraph_engine import WorkGraphEngine
from aiida_workgraph.orm.workgraph_node import WorkGraphNode
from aiida_workgraph.serialization.walk import WalkResult


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[WalkResult]:
    """Record the ``WalkResult`` of every call of the engine's single walk (the real walk still runs)."""
    recorded: list[WalkResult] = []
    real: Callable[..., Any] = workgraph_engine.prepare_engine_inputs

    def spy(inputs: dict[str, Any]) -> Any:
        prepared, result = real(inputs)
        recorded.append(result)
        return prepared, result

    monkeypatch.setattr(workgraph_engine, 'prepare_engine_inputs', spy)
    return recorded


def assert_visited_once(result: WalkResult, expected: set[str]) -> None:
    """Assert that no path was visited twice and that every expected path was visited."""
    counts = Counter(result.visited)
    duplicates = {path: count for path, count in counts.items() if count > 1}
    assert duplicates == {}
    missing = expected - set(result.visited)
    assert missing == set(), f'not visited: {sorted(missing)}; visited: {result.visited}'


def build_point_graph() -> tuple[WorkGraph, dict[str, CountedPoint]]:
    """A graph whose task inputs, graph inputs and ctx each hold a :class:`CountedPoint` and plain values."""
    points = {name: CountedPoint(name, x, y) for name, x, y in [('task', 3, 4), ('graph', 6, 8), ('ctx', 1, 2)]}
    wg = WorkGraph('points')
    wg.inputs.p = points['graph']
    wg.inputs.offset = 10
    wg.ctx = {'p': points['ctx'], 'params': {'scale': 2, 'label': 'c'}}
    norm_task = wg.add_task(point_norm2, name='norm_task', point=points['task'])
    norm_graph = wg.add_task(point_norm2, name='norm_graph', point=wg.inputs.p)
    norm_ctx = wg.add_task(point_norm2, name='norm_ctx', point=wg.ctx.p)
    total = wg.add_task(add, name='total', x=norm_task.outputs.result, y=wg.inputs.offset)
    wg.add_task(add, name='both', x=norm_graph.outputs.result, y=norm_ctx.outputs.result)
    wg.add_task(cube, name='cubed', x=orm.Int(2))
    wg.outputs.total = total.outputs.result
    return wg, points


POINT_GRAPH_PATHS = {
    'tasks.norm_task.point',
    'tasks.cubed.x',
    'graph_inputs.p',
    'graph_inputs.offset',
    'ctx.p',
    'ctx.params.scale',
    'ctx.params.label',
}


def test_run_walks_each_value_once(walks: list[WalkResult], to_dict_counter: dict[str, int]) -> None:
    """``wg.run()`` walks once; each value (task inputs, graph inputs, ctx) is visited and serialized once."""
    wg, _points = build_point_graph()

    outputs = wg.run()

    assert wg.process.exit_status == 0, wg.process.exit_message
    assert outputs['total'].value == 35
    assert wg.tasks['norm_graph'].outputs.result.value.value == 100
    assert wg.tasks['both'].outputs.result.value.value == 105
    assert len(walks) == 1
    result = walks[0]
    assert_visited_once(result, POINT_GRAPH_PATHS)
    # Linked inputs carry no value of their own: nothing of `total` or `both` is walked.
    assert not any(path.startswith(('tasks.both', 'tasks.total')) for path in result.visited)
    assert to_dict_counter == {'task': 1, 'graph': 1, 'ctx': 1}
    # Every converted value became exactly one input link of the process node.
    labels = wg.process.base.links.get_incoming(link_type=LinkType.INPUT_WORK).all_link_labels()
    assert sorted(labels) == sorted(
        [
            'tasks__norm_task__point',
            'tasks__cubed__x',
            'graph_inputs__p',
            'graph_inputs__offset',
            'workgraph_data__ctx__p',
            'workgraph_data__ctx__params__scale',
            'workgraph_data__ctx__params__label',
        ]
    )


def test_save_walks_each_value_once_until_the_first_checkpoint(
    walks: list[WalkResult], to_dict_counter: dict[str, int]
) -> None:
    """``save()`` creates the node and its first checkpoint after exactly one walk and one ``to_dict`` per value."""
    wg, points = build_point_graph()

    node = wg.save()

    assert node.base.attributes.get('checkpoints')
    assert len(walks) == 1
    assert_visited_once(walks[0], POINT_GRAPH_PATHS)
    assert to_dict_counter == {'task': 1, 'graph': 1, 'ctx': 1}
    # The checkpoint does not repeat the inputs: the point's data is only in its input node.
    checkpoint = node.base.attributes.get('checkpoints')
    assert 'norm_task' not in checkpoint
    assert 'CountedPoint' not in checkpoint
    stored = node.base.links.get_incoming(link_type=LinkType.INPUT_WORK).get_node_by_label('tasks__norm_task__point')
    assert stored.is_stored
    assert stored.obj == points['task']


def test_calcjob_values_and_metadata_are_visited_once(walks: list[WalkResult], bash_code: orm.InstalledCode) -> None:
    """CalcJob inputs are walked against the process's ports once: data leaves and the plain metadata alike."""
    wg = WorkGraph('calcjob_walk')
    wg.add_task(
        ArithmeticAddCalculation,
        name='job',
        x=1,
        y=orm.Int(2),
        code=bash_code,
        metadata={'options': {'resources': {'num_machines': 1}, 'max_wallclock_seconds': 60}},
    )

    outputs_node = wg.save()

    assert len(walks) == 1
    result = walks[0]
    assert_visited_once(
        result,
        {
            'tasks.job.x',
            'tasks.job.y',
            'tasks.job.code',
            'tasks.job.metadata',
        },
    )
    # The ``metadata`` namespace is one plain (JSON) value: it stays in the structure and is not converted.
    assert result.report['tasks.job.x'] == 'aiida.orm.nodes.data.int.Int'
    assert result.report['tasks.job.metadata'] == 'plain'
    assert result.plain['tasks.job']['metadata']['options']['max_wallclock_seconds'] == 60
    labels = outputs_node.base.links.get_incoming(link_type=LinkType.INPUT_WORK).all_link_labels()
    assert not any('metadata' in label for label in labels)


def test_engine_created_directly_exposes_its_walk(to_dict_counter: dict[str, int]) -> None:
    """``WorkGraphEngine(inputs=wg.prepare_inputs('run'))`` walks once in its constructor; running it walks no more."""
    wg = WorkGraph('direct_engine')
    point = CountedPoint('direct', 5, 12)
    wg.add_task(point_norm2, name='norm', point=point)
    wg.add_task(add, name='add1', x=1, y=2)

    engine = WorkGraphEngine(inputs=wg.prepare_inputs('run'))

    assert isinstance(engine.walk_result, WalkResult)
    assert sorted(engine.walk_result.visited) == ['tasks.add1.x', 'tasks.add1.y', 'tasks.norm.point']
    assert to_dict_counter == {'direct': 1}
    _, node = run_get_node(engine)
    assert isinstance(node, WorkGraphNode)
    assert node.exit_status == 0
    assert to_dict_counter == {'direct': 1}
    assert node.task_record('task_states') == {'norm': 'FINISHED', 'add1': 'FINISHED'}


def test_walk_reports_every_bad_value_and_stores_nothing() -> None:
    """Values that cannot be kept are all reported by the one walk, with their paths; no node is created."""
    wg = WorkGraph('bad_values')
    wg.add_task(add, name='add1', x=lambda: 1, y=2)
    wg.add_task(add, name='add2', x={1, 2}, y=(x for x in range(2)))
    wg.ctx = {'good': 1, 'bad': {'nested': {3, 4}}}
    count_before = orm.QueryBuilder().append(WorkGraphNode).count()

    with pytest.raises(WorkGraphSerializationError) as excinfo:
        wg.run()

    paths = {problem.path for problem in excinfo.value.problems}
    assert paths == {'tasks.add1.x', 'tasks.add2.x', 'tasks.add2.y', 'ctx.bad.nested'}
    for path in paths:
        assert path in str(excinfo.value)
    assert orm.QueryBuilder().append(WorkGraphNode).count() == count_before
    assert wg.process is None
