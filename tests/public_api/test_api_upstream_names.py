"""Names that upstream aiida-workgraph's users and tests reach, and the messages that start with upstream's words."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from aiida import orm
from aiida.cmdline.utils.common import get_workchain_report
from aiida.engine import run_get_node
from node_graph.collection import LinkCollection, TaskCollection
from tasks_for_tests import add

from aiida_workgraph import Map, WorkGraph, namespace, task
from aiida_workgraph.engine.task_actions import TaskActionManager
from aiida_workgraph.engine.workgraph import WorkGraphEngine
from aiida_workgraph.enums import TERMINAL_TASK_STATES, TaskAction, TaskState


def test_task_states_include_upstreams() -> None:
    """``CREATED`` and ``MAPPED`` exist; ``is_terminal`` follows ``TERMINAL_TASK_STATES``."""
    assert TaskState('CREATED') is TaskState.CREATED
    assert TaskState('MAPPED') is TaskState.MAPPED
    assert [state.value for state in TaskState if state.is_terminal] == sorted(
        (state.value for state in TERMINAL_TASK_STATES), key=[state.value for state in TaskState].index
    )
    assert not TaskState.CREATED.is_terminal and TaskState.KILLED.is_terminal


class _States:
    """A state manager that records what it is asked."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.outcomes = {'a': 'paused'}

    def reset_task(self, name: str) -> None:
        self.calls.append(('reset', name))

    def set_task_runtime_info(self, name: str, key: str, value: Any) -> None:
        self.calls.append(('set', name, key, value))


class _Process:
    def __init__(self) -> None:
        self.reports: list[str] = []

    def report(self, message: str) -> None:
        self.reports.append(message)


def test_task_action_manager_dispatches_in_any_case() -> None:
    """``TaskActionManager`` turns each action (any case) into a state-manager call and reports it."""
    states, process = _States(), _Process()
    manager = TaskActionManager(states, logging.getLogger(__name__), process)
    assert manager.apply_task_actions({'action': 'PaUsE', 'tasks': ['a']}) is TaskAction.PAUSE
    manager.apply_task_actions({'action': 'reset', 'tasks': ['a']})
    manager.apply_task_actions({'action': 'skip', 'tasks': ['b']})
    assert states.calls == [
        ('set', 'a', 'action', TaskAction.PAUSE),
        ('reset', 'a'),
        ('set', 'b', 'state', TaskState.SKIPPED),
    ]
    assert process.reports[0] == "Action: PAUSE. Tasks: ['a'] (a: paused)"
    with pytest.raises(ValueError, match="unknown task action 'hold'"):
        manager.apply_task_actions({'action': 'hold', 'tasks': ['a']})
    assert len(states.calls) == 3


def test_waiting_on_is_a_view_of_wait_links() -> None:
    """``waiting_on`` adds, lists and removes ``_wait`` links; ``>>`` shows in it."""
    wg = WorkGraph('waiting_on')
    for index in range(4):
        wg.add_task(add, name=f'task{index}', x=1, y=1)
    first = wg.tasks.task1
    first.waiting_on.add('task2')
    first.waiting_on.add(['task3', wg.tasks.task0, 'task2'])
    assert len(first.waiting_on) == 3 and len(wg.links) == 3
    assert wg.tasks.task3 in first.waiting_on and 'task0' in first.waiting_on
    first.waiting_on.remove('task2')
    assert 'task2' not in first.waiting_on and len(wg.links) == 2
    with pytest.raises(ValueError, match="does not wait for 'task2'"):
        first.waiting_on.remove('task2')
    with pytest.raises(ValueError, match='no task of that name'):
        first.waiting_on.add('nope')
    first.waiting_on.clear()
    assert len(first.waiting_on) == 0 and len(wg.links) == 0
    wg.tasks.task0 >> wg.tasks.task2
    assert [other.name for other in wg.tasks.task2.waiting_on] == ['task0']


def test_waiting_on_orders_a_run() -> None:
    """A task that waits on another (no value passed) starts after it ends."""
    wg = WorkGraph('waiting_on_run')
    first = wg.add_task(add, name='first', x=1, y=1)
    second = wg.add_task(add, name='second', x=2, y=2)
    second.waiting_on.add(first)
    wg.run()
    assert wg.tasks.second.node.ctime > wg.tasks.first.node.mtime
    assert second.outputs.result.value == 4


def test_to_engine_inputs_run_through_the_builder() -> None:
    """``to_engine_inputs`` holds the task values (``metadata`` too) and runs through ``WorkGraphEngine``'s builder."""
    wg = WorkGraph('engine_inputs')
    wg.add_task(add, name='add1', x=1)
    wg.tasks.add1.set_inputs({'y': 2, 'metadata.store_provenance': True})
    inputs = wg.to_engine_inputs()
    assert inputs['tasks']['add1'] == {'x': 1, 'y': 2, 'metadata': {'store_provenance': True}}
    builder = WorkGraphEngine.get_builder()
    builder._update(inputs)
    _, node = run_get_node(builder)
    wg.process = node
    wg.update()
    assert wg.tasks.add1.outputs.result.value == 3


def test_build_connectivity_lifts_zone_members() -> None:
    """A task fed from inside a zone waits for the zone; a zone waits for what its members need outside it."""
    wg = WorkGraph('connectivity')
    first = wg.add_task(add, name='first', x=1, y=1)
    zone = wg.add_task('workgraph.zone', name='zone1')
    inner = zone.add_task(add, name='inner', x=1, y=first.outputs.result)
    last = wg.add_task(add, name='last', x=inner.outputs.result, y=1)
    last.waiting_on.add(first)
    connectivity = wg.build_connectivity()
    assert connectivity['zone']['last']['input_tasks'] == ['first', 'zone1']
    assert connectivity['zone']['zone1'] == {'children': ['inner'], 'input_tasks': ['first']}
    assert connectivity['zone']['inner']['input_tasks'] == ['first']
    assert connectivity['input_node']['last'] == ['inner', 'first']
    assert connectivity['child_node']['first'] == ['inner', 'last']


def test_subgraph_task_shows_its_tasks_and_links() -> None:
    """A sub-graph task has the ``tasks`` and ``links`` of its graph, with the values set inside."""
    sub = WorkGraph('sub', inputs=namespace(x=Any), outputs=namespace(result=Any))
    sub.add_task(add, name='one', x=sub.inputs.x, y=3)
    sub.add_task(add, name='two', x=sub.tasks.one.outputs.result, y=4)
    sub.outputs.result = sub.tasks.two.outputs.result
    wg = WorkGraph('parent')
    node = wg.add_task(sub, name='sub', x=1)
    assert isinstance(node.tasks, TaskCollection) and isinstance(node.links, LinkCollection)
    assert node.tasks.two.inputs.y.value == 4
    assert len(node.links) == len(sub.links)


@pytest.mark.parametrize(
    ('make', 'expected'),
    [
        (lambda: None, None),
        (lambda: 1, 1),
        (lambda: orm.Int(1), 1),
        (lambda: orm.Str('abc'), 'abc'),
        (lambda: orm.List([1]), [1]),
        (lambda: orm.Dict({'a': 1}), {'a': 1}),
    ],
)
def test_socket_node_value(make: Any, expected: Any) -> None:
    """``get_node_value()`` / ``node_value``: a base-type node gives its value, anything else itself."""
    wg = WorkGraph('node_value')
    socket = wg.add_task(add, name='add1', x=make()).inputs.x
    assert socket.get_node_value() == expected and socket.node_value == expected
    assert type(socket.get_node_value()) is type(expected)


def test_standalone_socket_accepts_none_data() -> None:
    """A socket made on its own (no task) takes a value, ``NoneData`` included."""
    from aiida_pythonjob.data.common_data import NoneData

    from aiida_workgraph.sockets.builtins import SocketInt

    socket = SocketInt('alone')
    socket.value = NoneData()
    assert isinstance(socket.value, NoneData)


def test_graph_task_run_get_graph() -> None:
    """``run_get_graph`` returns the outputs and the ``WorkGraph`` that ran."""

    @task.graph(outputs=namespace(total=Any))
    def pipeline(x: int, y: int) -> Any:
        return {'total': add(x=add(x=x, y=y).result, y=1).result}

    outputs, wg = pipeline.run_get_graph(1, y=2)
    assert outputs['total'] == 4
    assert isinstance(wg, WorkGraph) and wg.process.is_finished_ok
    assert wg.outputs.total.value == 4


def test_get_current_graph_is_a_workgraph() -> None:
    """Outside ``with WorkGraph()``, the current graph is a new ``WorkGraph``, and task calls go to it."""
    from aiida_workgraph.manager import get_current_graph, set_current_graph

    set_current_graph(None)
    graph = get_current_graph()
    assert isinstance(graph, WorkGraph)
    outputs = add(x=1, y=2)
    assert outputs._task.graph is graph
    set_current_graph(None)


def test_map_takes_source_socket() -> None:
    """``Map(source_socket=...)`` is ``Map(source)``; neither or both is a ``TypeError``."""
    with WorkGraph('map_source_socket') as wg:
        with Map(source_socket={'a': 1, 'b': 2}) as zone:
            zone.gather({'result': add(x=zone.item.value, y=1).result})
        wg.outputs.result = zone.outputs.result
        with pytest.raises(TypeError, match='exactly once'):
            Map()
    wg.run()
    assert (wg.outputs.result.a.value.value, wg.outputs.result.b.value.value) == (2, 3)


def test_executor_placeholder_and_workchain_node() -> None:
    """``executors.builtins.UnavailableExecutor`` raises; ``orm.workgraph.WorkChainNode`` is aiida-core's."""
    from aiida_workgraph.executors.builtins import UnavailableExecutor
    from aiida_workgraph.orm.workgraph import WorkChainNode

    assert WorkChainNode is orm.WorkChainNode
    with pytest.raises(RuntimeError, match='not available'):
        UnavailableExecutor(1)


@pytest.mark.parametrize(
    ('build', 'fix'),
    [
        (lambda wg: wg.add_task(add, name='_hidden'), 'WorkGraph.add_task'),
        (lambda wg: add(1, 2, metadata={'call_link_label': '_hidden'}), 'call_link_label'),
    ],
    ids=['name', 'call_link_label'],
)
def test_invalid_task_name_messages(build: Any, fix: str) -> None:
    """An invalid task name is named with upstream's words, why, and the fix for where it came from."""
    with WorkGraph('names') as wg:
        with pytest.raises(
            ValueError, match=re.escape("Invalid task name '_hidden': cannot start with an underscore")
        ) as raised:
            build(wg)
    assert fix in str(raised.value)


def test_invalid_derived_task_name_message() -> None:
    """A name derived from the function says to rename it, not to call ``add_task``."""

    @task
    def _hidden() -> int:
        return 1

    @task.graph
    def top() -> None:
        _hidden()

    with pytest.raises(ValueError, match=re.escape("Invalid task name '_hidden'")) as raised:
        top.build()
    assert 'rename the function/callable' in str(raised.value)
    assert 'WorkGraph.add_task' not in str(raised.value)


def test_run_after_save_and_load_failure_messages() -> None:
    """A saved graph says to submit it; loading a node that is not a WorkGraph says so in upstream's words."""
    wg = WorkGraph('saved')
    wg.add_task(add, name='add1', x=1, y=2)
    wg.save()
    with pytest.raises(
        ValueError, match=re.escape(f'Process {wg.pk} has already been created. Please use the submit() method.')
    ):
        wg.run()
    other = orm.WorkflowNode().store()
    with pytest.raises(
        ValueError, match=f'^Process {other.pk} is not a WorkGraph: node <{other.pk}> is a WorkflowNode'
    ):
        WorkGraph.load(other.pk)


@task
async def slow_add(x: int, y: int) -> int:
    """Return ``x + y`` after a short sleep (an awaited task)."""
    import asyncio

    await asyncio.sleep(0.2)
    return x + y


def test_reports_use_upstreams_words() -> None:
    """The report says ``tasks ready to run: a,b`` (joined as upstream joins) and names the children waited for."""
    wg = WorkGraph('reports')
    wg.add_task(add, name='first', x=1, y=1)
    wg.add_task(add, name='second', x=1, y=1)
    wg.add_task(slow_add, name='third', x=wg.tasks.first.outputs.result, y=1)
    wg.run()
    report = get_workchain_report(wg.process, 'REPORT')
    assert 'tasks ready to run: first,second' in report
    assert re.search(r'Waiting for child processes: third(<\d+>)?', report), report


def test_process_node_is_labelled_with_the_graph_name() -> None:
    """The process node's label is the graph's name, unless ``metadata['label']`` gives one."""
    wg = WorkGraph('named_graph')
    wg.add_task(add, name='add1', x=1, y=2)
    wg.save()
    assert (wg.process.label, wg.process.process_label) == ('named_graph', 'WorkGraph<named_graph>')
    other = WorkGraph('other_graph')
    other.add_task(add, name='add1', x=1, y=2)
    other.run(metadata={'label': 'mine'})
    assert other.process.label == 'mine'


def test_update_from_a_plain_workchain_node() -> None:
    """``update()`` with a process node that is no WorkGraph's (set by hand) reads its state and graph outputs."""
    from aiida.common.links import LinkType

    from aiida_workgraph.orm.workgraph import WorkChainNode

    node = WorkChainNode().store()
    orm.Int(1).store().base.links.add_incoming(node, link_type=LinkType.RETURN, link_label='y')
    node.set_process_state('finished')
    node.set_exit_status(0)
    node.seal()
    wg = WorkGraph('by_hand', outputs=namespace(y=Any))
    wg.process = node
    wg.update()
    assert wg.state == 'FINISHED'
    assert wg.outputs.y.value == 1
