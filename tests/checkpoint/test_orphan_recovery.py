"""Recovery of a process function left unfinished by a dead worker: sealed once, and never taken as its task's outcome.

These tests drive the recovery directly, in this interpreter, with no daemon: a saved graph gets a process function
child that a dead worker would have left behind (a ``CalcFunctionNode`` called under a task's name, still Running),
and its checkpoint is loaded as a new daemon worker loads it. Loading the same checkpoint twice is what happens when
the worker that recovered the graph is killed in turn before the task ran again (issue 22): the checkpoint and the
task records are those of before the first recovery, but the orphan is now sealed as excepted. The second recovery
must run the task again, as the first one decided, instead of reading the sealed orphan as the task's failure (which
ended the graph with exit status 302).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from aiida.engine import ProcessState
from aiida.manage import get_manager
from durable_tasks import slow_increment_calc
from plumpy.persistence import LoadSaveContext

from aiida_workgraph import WorkGraph
from aiida_workgraph.engine.task_outcome import (
    NEVER_STARTED_EXCEPTION,
    ORPHAN_EXCEPTION,
    ORPHAN_EXTRA,
    is_sealed_orphan,
)
from aiida_workgraph.engine.workgraph_engine import WorkGraphEngine
from aiida_workgraph.enums import TASK_PROCESS, TASK_STATE


@pytest.fixture
def loading_runner() -> Any:
    """A runner without a broker, as ``WorkGraph.run`` uses, to load checkpoints in this interpreter."""
    # Not closed: a runner shares this thread's event loop with aiida's global runner (closing it closes the loop).
    return get_manager().create_runner(communicator=None)


@pytest.fixture
def saved_chain() -> orm.ProcessNode:
    """A saved (not run) graph ``first -> second`` of calcfunctions adding 1 to 0; its output ``last`` is 2."""
    wg = WorkGraph('orphan_recovery')
    first = wg.add_task(slow_increment_calc, name='first', x=0)
    second = wg.add_task(slow_increment_calc, name='second', x=first.outputs.result)
    wg.outputs.last = second.outputs.result
    return wg.save()


def left_behind(graph: orm.ProcessNode, task: str, state: ProcessState = ProcessState.RUNNING) -> orm.CalcFunctionNode:
    """Store the process function node a worker killed while it ran ``task`` leaves behind: called by ``graph`` under
    the task's name, in ``state``, not sealed."""
    node = orm.CalcFunctionNode()
    node.set_process_type(f'{slow_increment_calc.__module__}.slow_increment_calc')
    node.set_process_label('slow_increment_calc')
    node.set_process_state(state)
    node.base.links.add_incoming(graph, link_type=LinkType.CALL_CALC, link_label=task)
    return node.store()


def load(graph: orm.ProcessNode, runner: Any) -> Iterator[WorkGraphEngine]:
    """Load the graph's stored checkpoint as a daemon worker does (recovery included); close the process after."""
    process = runner.persister.load_checkpoint(graph.pk).unbundle(LoadSaveContext(runner=runner))
    try:
        yield process
    finally:
        process.close()


def recovered_state(graph: orm.ProcessNode, runner: Any, task: str) -> str:
    """Load the checkpoint, as a new worker would, and return the state recovery gave ``task``."""
    for process in load(graph, runner):
        return process.graph_state.record(task).state
    raise AssertionError('unreachable')


def run_to_the_end(graph: orm.ProcessNode, runner: Any) -> orm.ProcessNode:
    """Load the checkpoint and run the process to its end in this interpreter; return the node, loaded again."""
    for process in load(graph, runner):
        process.execute()
    return orm.load_node(graph.pk)


def calls(graph: orm.ProcessNode, task: str) -> list[orm.ProcessNode]:
    """The processes the graph called under the name ``task``, oldest first."""
    found = graph.base.links.get_outgoing(link_type=LinkType.CALL_CALC, link_label_filter=task).all()
    return sorted((link.node for link in found), key=lambda node: node.pk)


def test_second_recovery_runs_the_task_again_instead_of_failing_the_graph(
    saved_chain: orm.ProcessNode, loading_runner: Any
) -> None:
    """A worker recovers the graph (it seals the orphan) and is killed before the task ran again: the next worker,
    loading the same checkpoint and records, runs the task again, and the graph finishes ok (issue 22: it failed with
    exit status 302, the sealed orphan read as the task's failure)."""
    orphan = left_behind(saved_chain, 'first')

    # The first worker's recovery: the orphan is sealed as an excepted orphan, its task planned to run again.
    assert recovered_state(saved_chain, loading_runner, 'first') == 'PLANNED'
    orphan = orm.load_node(orphan.pk)
    assert orphan.is_excepted and orphan.is_sealed
    assert orphan.base.extras.get(ORPHAN_EXTRA) is True
    assert orphan.exception == ORPHAN_EXCEPTION
    reports = [entry.message for entry in orm.Log.collection.get_logs_for(saved_chain)]
    assert any(f'<{orphan.pk}> was left unfinished; runs again' in message for message in reports), reports

    # That worker is killed before it runs the task again: the next one loads the same checkpoint and records.
    assert recovered_state(saved_chain, loading_runner, 'first') == 'PLANNED'
    assert saved_chain.task_record(TASK_STATE).get('first') != 'FAILED'

    node = run_to_the_end(saved_chain, loading_runner)
    assert node.is_finished_ok, (node.process_state, node.exit_status, node.exit_message)
    assert node.outputs.last.value == 2
    first_calls = calls(node, 'first')
    assert [call.pk for call in first_calls[:1]] == [orphan.pk]
    assert len(first_calls) == 2 and first_calls[1].is_finished_ok
    assert node.task_record(TASK_PROCESS)['first'] == first_calls[1].pk
    assert len(calls(node, 'second')) == 1


def test_orphan_sealed_by_an_earlier_release_runs_again(saved_chain: orm.ProcessNode, loading_runner: Any) -> None:
    """An orphan sealed before the orphan mark existed (known by its exception), or whose seal was cut short after the
    excepted state was written (no exception, not sealed), is not its task's outcome either."""
    legacy = left_behind(saved_chain, 'first', ProcessState.EXCEPTED)
    legacy.set_exception(ORPHAN_EXCEPTION)
    legacy.seal()
    assert is_sealed_orphan(legacy)
    assert recovered_state(saved_chain, loading_runner, 'first') == 'PLANNED'

    half_sealed = left_behind(saved_chain, 'first', ProcessState.EXCEPTED)
    assert is_sealed_orphan(half_sealed)
    assert recovered_state(saved_chain, loading_runner, 'first') == 'PLANNED'

    node = run_to_the_end(saved_chain, loading_runner)
    assert node.is_finished_ok and node.outputs.last.value == 2
    assert all(call.is_sealed for call in calls(node, 'first'))


def test_process_function_that_really_excepted_fails_its_task(
    saved_chain: orm.ProcessNode, loading_runner: Any
) -> None:
    """A process function that excepted by itself (its own exception, sealed by aiida-core) is the task's outcome:
    the task fails, the tasks after it are skipped and the graph ends with exit status 302."""
    failed = left_behind(saved_chain, 'first', ProcessState.EXCEPTED)
    failed.set_exception('ValueError: the function itself raised')
    failed.seal()
    assert not is_sealed_orphan(failed)

    assert recovered_state(saved_chain, loading_runner, 'first') == 'FAILED'
    node = run_to_the_end(saved_chain, loading_runner)
    assert node.exit_status == 302
    assert node.task_record(TASK_STATE) == {'first': 'FAILED', 'second': 'SKIPPED'}
    assert calls(node, 'first') == [failed] and calls(node, 'second') == []


def test_process_function_that_finished_before_the_kill_is_adopted_and_sealed(
    saved_chain: orm.ProcessNode, loading_runner: Any
) -> None:
    """A process function whose worker died after aiida-core wrote its end but before it sealed the node is adopted
    (its result is the task's result, the task does not run again) and sealed."""
    done = left_behind(saved_chain, 'first', ProcessState.FINISHED)
    done.set_exit_status(0)
    result = orm.Int(1)
    result.base.links.add_incoming(done, link_type=LinkType.CREATE, link_label='result')
    result.store()
    assert not done.is_sealed

    assert recovered_state(saved_chain, loading_runner, 'first') == 'FINISHED'
    assert orm.load_node(done.pk).is_sealed
    node = run_to_the_end(saved_chain, loading_runner)
    assert node.is_finished_ok and node.outputs.last.value == 2
    assert calls(node, 'first') == [done]
    assert node.task_record(TASK_PROCESS)['first'] == done.pk


def test_child_that_never_started_is_sealed_and_its_task_runs_again(
    saved_chain: orm.ProcessNode, loading_runner: Any
) -> None:
    """A child process node without a process state (its worker died inside aiida-core's ``submit()``, before the
    process had a state, a checkpoint or a task in the broker) would be awaited for ever: it is sealed as an excepted
    orphan and its task runs again (found by the fault test: a graph left Waiting for such a CalcJob)."""
    never_started = orm.CalcJobNode()
    never_started.set_process_label('ArithmeticAddCalculation')
    never_started.base.links.add_incoming(saved_chain, link_type=LinkType.CALL_CALC, link_label='first')
    never_started.store()
    assert never_started.process_state is None

    assert recovered_state(saved_chain, loading_runner, 'first') == 'PLANNED'
    never_started = orm.load_node(never_started.pk)
    assert never_started.is_excepted and never_started.is_sealed and is_sealed_orphan(never_started)
    assert never_started.exception == NEVER_STARTED_EXCEPTION
    assert recovered_state(saved_chain, loading_runner, 'first') == 'PLANNED'

    node = run_to_the_end(saved_chain, loading_runner)
    assert node.is_finished_ok and node.outputs.last.value == 2
    assert [call.pk for call in calls(node, 'first')][:1] == [never_started.pk]
