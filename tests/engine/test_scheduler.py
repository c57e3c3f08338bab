"""Unit tests of the engine's pure parts: :mod:`aiida_workgraph.engine.scheduler` and
:class:`~aiida_workgraph.engine.graph_state.GraphState`.

None of them uses an AiiDA fixture, a process or the database: the scheduler decides from plain mappings, and the
graph state is a plain record of task instances. A subprocess checks that the scheduler and what it imports load no
``aiida`` module at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import aiida_workgraph
from aiida_workgraph.engine import scheduler
from aiida_workgraph.engine.graph_state import GraphState, InstanceRecord
from aiida_workgraph.enums import TASK_ERROR, TASK_PROCESS, TASK_RESULT, TASK_STATE, TaskState

#: A diamond with a tail, in topological order: a -> (b, c) -> d -> e; ``f`` is on its own.
ORDER = ['a', 'b', 'c', 'd', 'e', 'f']
PARENTS = {'a': set(), 'b': {'a'}, 'c': {'a'}, 'd': {'b', 'c'}, 'e': {'d'}, 'f': set()}

# region scheduler


def test_ready_on_a_fresh_graph_are_the_roots_in_order() -> None:
    """With no state at all every task counts as PLANNED: the tasks without parents are ready, in ``order``."""
    assert scheduler.ready(ORDER, PARENTS, {}) == ['a', 'f']
    assert scheduler.ready(list(reversed(ORDER)), PARENTS, {}) == ['f', 'a']


def test_ready_needs_every_parent_finished() -> None:
    """A task is ready only when all its parents are FINISHED; a running or planned parent holds it back."""
    states = {'a': 'FINISHED', 'b': 'FINISHED', 'c': 'RUNNING', 'f': 'FINISHED'}
    assert scheduler.ready(ORDER, PARENTS, states) == []
    states['c'] = 'FINISHED'
    assert scheduler.ready(ORDER, PARENTS, states) == ['d']


@pytest.mark.parametrize('state', [state for state in TaskState if state != TaskState.PLANNED])
def test_only_planned_tasks_are_ready(state: TaskState) -> None:
    """A root task in any state but PLANNED is never returned as ready (it was launched, ended or is held)."""
    assert scheduler.ready(['a'], {'a': set()}, {'a': state.value}) == []


@pytest.mark.parametrize('parent_state', ['FAILED', 'SKIPPED', 'KILLED', 'RUNNING', 'PLANNED', 'PAUSED'])
def test_a_parent_that_did_not_finish_keeps_the_child_from_running(parent_state: str) -> None:
    """Only FINISHED lets a child run."""
    assert 'c' not in scheduler.ready(['p', 'c'], {'c': {'p'}}, {'p': parent_state})


def test_plain_strings_and_enum_members_are_the_same_states() -> None:
    """States read back from a checkpoint or the node are plain strings; both spellings give the same answers."""
    as_enum = {'a': TaskState.FINISHED, 'b': TaskState.FAILED, 'c': TaskState.RUNNING}
    as_str = {name: state.value for name, state in as_enum.items()}
    for states in (as_enum, as_str):
        assert scheduler.ready(ORDER, PARENTS, states) == ['f']
        assert scheduler.blocked(ORDER, PARENTS, states) == ['d', 'e']
        assert scheduler.running(states) == ['c']
        assert scheduler.failed(states) == ['b']
        assert not scheduler.is_done(ORDER, PARENTS, states)


@pytest.mark.parametrize('failure', ['FAILED', 'SKIPPED', 'KILLED'])
def test_blocked_follows_a_failure_through_the_whole_chain_in_one_pass(failure: str) -> None:
    """Every planned descendant of a failed, skipped or killed task is blocked, directly or not, in ``order``."""
    states = {'a': 'FINISHED', 'b': failure, 'c': 'FINISHED'}
    assert scheduler.blocked(ORDER, PARENTS, states) == ['d', 'e']
    # The independent task and the sibling are not blocked; nothing is ready but `f`.
    assert scheduler.ready(ORDER, PARENTS, states) == ['f']


def test_blocked_ignores_running_parents_and_tasks_that_are_not_planned() -> None:
    """A running parent blocks nothing; a descendant that already has a state of its own is not reported."""
    assert scheduler.blocked(ORDER, PARENTS, {'a': 'RUNNING'}) == []
    states = {'a': 'FAILED', 'b': 'SKIPPED', 'c': 'FINISHED'}
    assert scheduler.blocked(ORDER, PARENTS, states) == ['d', 'e']


def test_running_lists_only_running_instances() -> None:
    """Instances in RUNNING, whatever the other states are; instance keys need not be tasks of ``order``."""
    states = {'a': 'RUNNING', 'b': 'PAUSED', 'c': 'FINISHED', 'loop.body.1': 'RUNNING', 'd': 'READY'}
    assert scheduler.running(states) == ['a', 'loop.body.1']


def test_failed_lists_failed_and_killed_sorted() -> None:
    """FAILED and KILLED instances, sorted by key; SKIPPED (a consequence) and NOT_TAKEN (no failure) are not."""
    states = {'z': 'FAILED', 'a': 'KILLED', 'm': 'SKIPPED', 'n': 'NOT_TAKEN', 'b': 'FINISHED'}
    assert scheduler.failed(states) == ['a', 'z']


def test_is_done_when_nothing_runs_and_nothing_can_be_launched() -> None:
    """Not done while a task runs or one is ready; done when every task ended or only blocked tasks are left."""
    assert not scheduler.is_done(ORDER, PARENTS, {})
    finished = dict.fromkeys(ORDER, 'FINISHED')
    assert scheduler.is_done(ORDER, PARENTS, finished)
    assert not scheduler.is_done(ORDER, PARENTS, {**finished, 'e': 'RUNNING'})
    assert not scheduler.is_done(ORDER, PARENTS, {**finished, 'e': 'PLANNED'})
    only_blocked = {'a': 'FINISHED', 'b': 'FAILED', 'c': 'FINISHED', 'f': 'FINISHED'}
    assert scheduler.is_done(ORDER, PARENTS, only_blocked)


def test_the_scheduler_changes_nothing_it_is_given() -> None:
    """Pure functions: the order, parents and states are left as they were."""
    order, parents, states = list(ORDER), {key: set(value) for key, value in PARENTS.items()}, {'b': 'FAILED'}
    scheduler.ready(order, parents, states)
    scheduler.blocked(order, parents, states)
    scheduler.is_done(order, parents, states)
    assert (order, parents, states) == (ORDER, PARENTS, {'b': 'FAILED'})


# endregion

# region graph state


def test_a_new_record_is_planned() -> None:
    """``record`` makes a PLANNED record on first use and returns the same one after that."""
    state = GraphState()
    record = state.record('a')
    assert record == InstanceRecord(state='PLANNED', process=None, results=None, error=None, attempt=0)
    assert state.record('a') is record
    assert state.states() == {'a': 'PLANNED'}


def test_changes_are_pending_once() -> None:
    """Each change is pending for the node's task records until taken; taking them empties the list."""
    state = GraphState()
    state.launched('a', 11)
    state.finished('a', {'result': 12})
    state.launched('b', 13)
    state.failed('b', 'b broke')
    state.failed('c', 'could not launch')
    state.set_state('d', TaskState.SKIPPED)

    assert state.pending_records() == {
        (TASK_PROCESS, 'a'): 11,
        (TASK_STATE, 'a'): 'FINISHED',
        (TASK_RESULT, 'a'): {'result': 12},
        (TASK_PROCESS, 'b'): 13,
        (TASK_STATE, 'b'): 'FAILED',
        (TASK_ERROR, 'b'): 'b broke',
        (TASK_ERROR, 'c'): 'could not launch',
        (TASK_STATE, 'c'): 'FAILED',
        (TASK_STATE, 'd'): 'SKIPPED',
    }
    assert state.pending_records() == {}
    assert state.states() == {'a': 'FINISHED', 'b': 'FAILED', 'c': 'FAILED', 'd': 'SKIPPED'}
    assert state.record('a').attempt == 1
    assert state.record('c').process is None


def test_a_failure_with_a_new_process_records_it() -> None:
    """``failed(..., process=pk)`` records the process that failed when it is not the one launched."""
    state = GraphState()
    state.launched('a', 5)
    state.pending_records()
    state.failed('a', 'excepted', process=5)
    assert (TASK_PROCESS, 'a') not in state.pending_records()
    state.failed('a', 'excepted again', process=9)
    assert state.pending_records() == {
        (TASK_ERROR, 'a'): 'excepted again',
        (TASK_PROCESS, 'a'): 9,
        (TASK_STATE, 'a'): 'FAILED',
    }
    assert state.record('a').process == 9


def test_attempts_count_launches() -> None:
    """Each launch of the same instance counts one attempt."""
    state = GraphState()
    state.launched('a', 1)
    state.set_state('a', TaskState.PLANNED)
    state.launched('a', 2)
    assert (state.record('a').attempt, state.record('a').process) == (2, 2)


def node_records_of(changes: dict[tuple[str, str], object], records: dict[str, dict] | None = None) -> dict:
    """Apply ``pending_records()`` changes to ``{record: {instance: value}}``, as the engine writes them to the node."""
    records = records if records is not None else {}
    for (record, key), value in changes.items():
        records.setdefault(record, {})[key] = value
    return records


def test_checkpoint_holds_what_is_not_done_as_plain_json() -> None:
    """``to_checkpoint`` gives plain JSON: ``ctx`` and only the instances that are not done (what differs from a
    PLANNED record); finished, failed and skipped instances are left to the node's task records."""
    state = GraphState(ctx={'scale': 2.5, 'params': {'names': ['a', None, True]}})
    state.launched('a', 11)
    state.finished('a', {'result': 12, 'ns': {'x': 13}})
    state.launched('b', 14)
    state.failed('c', 'could not launch')
    state.set_state('s', TaskState.SKIPPED)
    state.record('d')
    state.launched('r', 15)
    state.failed('r', 'exit status 300', process=15)
    state.retry('r', {'handler': 1}, {'data': {'x': 16}, 'plain': {'metadata': {'label': 'again'}}})

    saved = state.to_checkpoint()

    assert json.loads(json.dumps(saved)) == saved
    assert saved == {
        'instances': {
            'b': {'state': 'RUNNING', 'process': 14, 'attempt': 1},
            'd': {},
            'r': {
                'process': 15,
                'error': 'exit status 300',
                'attempt': 1,
                'retries': {'handler': 1},
                'inputs': {'data': {'x': 16}, 'plain': {'metadata': {'label': 'again'}}},
            },
        },
        'ctx': {'scale': 2.5, 'params': {'names': ['a', None, True]}},
    }


def test_checkpoint_and_node_records_rebuild_the_state() -> None:
    """``from_checkpoint`` and ``merge_records`` of the node's task records give back every instance and ``ctx``."""
    state = GraphState(ctx={'v': 1})
    state.launched('a', 11)
    state.finished('a', {'result': 12})
    state.launched('b', 14)
    state.failed('c', 'could not launch')
    state.set_state('s', TaskState.SKIPPED)
    state.record('d')
    records = node_records_of(state.pending_records())

    loaded = GraphState.from_checkpoint(json.loads(json.dumps(state.to_checkpoint())))
    assert loaded.states() == {'b': 'RUNNING', 'd': 'PLANNED'}
    moved = loaded.merge_records(records)

    assert sorted(moved) == ['a', 'c', 's']
    assert loaded.states() == state.states()
    assert loaded.ctx == {'v': 1}
    for key in ('a', 'b', 'c', 's'):
        expected, got = state.record(key), loaded.record(key)
        assert (got.state, got.process, got.results, got.error) == (
            expected.state,
            expected.process,
            expected.results,
            expected.error,
        )
    assert loaded.record('b') == state.record('b')
    # Changes already written before the checkpoint are not pending again after loading it.
    assert loaded.pending_records() == {}


def test_a_retry_goes_back_to_planned_with_the_handlers_changes() -> None:
    """``retry`` makes a failed instance PLANNED again (a pending change) and keeps the retries and changed inputs."""
    state = GraphState()
    state.launched('a', 1)
    state.failed('a', 'exit status 300', process=1)
    state.pending_records()

    state.retry('a', {'fix_it': 1}, {})

    assert state.pending_records() == {(TASK_STATE, 'a'): 'PLANNED'}
    record = state.record('a')
    assert (record.state, record.retries, record.inputs, record.attempt) == ('PLANNED', {'fix_it': 1}, None, 1)
    state.launched('a', 2)
    assert (record.state, record.process, record.attempt) == ('RUNNING', 2, 2)


@pytest.mark.parametrize('saved', [{}, {'instances': None, 'ctx': None}, {'instances': {}, 'ctx': {}}])
def test_an_empty_checkpoint_is_an_empty_state(saved: dict) -> None:
    """A checkpoint without instances or ctx (a graph saved before it ran) loads as an empty state."""
    loaded = GraphState.from_checkpoint(saved)
    assert loaded.instances == {}
    assert loaded.ctx == {}
    assert loaded.to_checkpoint() == {'instances': {}, 'ctx': {}}


def records(**by_instance: tuple) -> dict[str, dict]:
    """Node task records from ``instance=(state, process, results, error)``."""
    found: dict[str, dict] = {TASK_STATE: {}, TASK_PROCESS: {}, TASK_RESULT: {}, TASK_ERROR: {}}
    for key, (state, process, results, error) in by_instance.items():
        for name, value in ((TASK_STATE, state), (TASK_PROCESS, process), (TASK_RESULT, results), (TASK_ERROR, error)):
            if value is not None:
                found[name][key] = value
    return found


def test_merge_records_moves_unsettled_instances_forward() -> None:
    """Instances the checkpoint has PLANNED or RUNNING take what the node says once the node says they ended."""
    state = GraphState()
    state.launched('running', 7)
    state.record('planned')
    state.pending_records()

    moved = state.merge_records(
        records(
            running=('FINISHED', 7, {'result': 8}, None),
            planned=('FAILED', 9, None, 'it broke'),
            unseen=('SKIPPED', None, None, None),
        )
    )

    assert sorted(moved) == ['planned', 'running', 'unseen']
    assert state.record('running') == InstanceRecord('FINISHED', 7, {'result': 8}, None, 1)
    assert state.record('planned') == InstanceRecord('FAILED', 9, None, 'it broke', 0)
    assert state.record('unseen').state == 'SKIPPED'
    # The node already holds these: nothing to write back.
    assert state.pending_records() == {}


def test_merge_records_never_moves_an_instance_back_or_sideways() -> None:
    """An instance the checkpoint has ended keeps its record; records saying PLANNED or RUNNING move nothing."""
    state = GraphState()
    state.launched('done', 1)
    state.finished('done', {'result': 2})
    state.launched('broken', 3)
    state.failed('broken', 'broke')
    state.launched('running', 4)
    before = {key: InstanceRecord(**vars(record)) for key, record in state.instances.items()}

    moved = state.merge_records(
        records(
            done=('RUNNING', 5, None, None),
            broken=('FINISHED', 3, {'result': 6}, None),
            running=('RUNNING', 10, None, None),
        )
    )

    assert moved == []
    assert state.instances == before


def test_merge_records_of_an_empty_node_changes_nothing() -> None:
    """A node without task records (saved, never run) leaves the state as it is."""
    state = GraphState()
    state.launched('a', 1)
    assert state.merge_records({}) == []
    assert state.merge_records(records()) == []
    assert state.states() == {'a': 'RUNNING'}


# endregion

# region imports

SRC = Path(aiida_workgraph.__file__).resolve().parent

#: Import one module of the package without running ``aiida_workgraph/__init__.py`` (which loads the authoring layer
#: and with it aiida-core), then list the ``aiida*`` modules (other than this package) that got imported.
IMPORT_SCRIPT = """
import importlib, sys, types

package = types.ModuleType('aiida_workgraph')
package.__path__ = [sys.argv[1]]
sys.modules['aiida_workgraph'] = package
module = importlib.import_module(sys.argv[2])
loaded = sorted(name for name in sys.modules if name.startswith('aiida') and name.split('.')[0] != 'aiida_workgraph')
print(' '.join(loaded) or '-')
"""


def imported_aiida_modules(module: str, tmp_path: Path) -> list[str]:
    """The ``aiida*`` modules a fresh interpreter holds after importing ``module`` (no profile, no configuration)."""
    env = {**os.environ, 'AIIDA_PATH': str(tmp_path)}
    result = subprocess.run(
        [sys.executable, '-c', IMPORT_SCRIPT, str(SRC), module],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return [] if result.stdout.strip() == '-' else result.stdout.split()


def test_the_scheduler_imports_no_aiida_module(tmp_path: Path) -> None:
    """The scheduler and everything it imports load no ``aiida`` (nor ``aiida_pythonjob``) module."""
    assert imported_aiida_modules('aiida_workgraph.engine.scheduler', tmp_path) == []
    assert not (tmp_path / '.aiida').exists()


def test_the_scheduler_runs_without_a_profile(tmp_path: Path) -> None:
    """In an interpreter without any AiiDA configuration, the scheduler drives a whole run of a small graph."""
    script = IMPORT_SCRIPT.replace(
        "print(' '.join(loaded) or '-')",
        """import json
order, parents, states = ['a', 'b', 'c', 'd'], {'b': {'a'}, 'c': {'b'}}, {}
launched = []
while not module.is_done(order, parents, states):
    for name in module.ready(order, parents, states):
        launched.append(name)
        states[name] = 'FAILED' if name == 'b' else 'FINISHED'
    for name in module.blocked(order, parents, states):
        states[name] = 'SKIPPED'
print(json.dumps({'launched': launched, 'states': states, 'failed': module.failed(states), 'loaded': loaded}))""",
    )
    env = {**os.environ, 'AIIDA_PATH': str(tmp_path)}
    result = subprocess.run(
        [sys.executable, '-c', script, str(SRC), 'aiida_workgraph.engine.scheduler'],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        'launched': ['a', 'd', 'b'],
        'states': {'a': 'FINISHED', 'd': 'FINISHED', 'b': 'FAILED', 'c': 'SKIPPED'},
        'failed': ['b'],
        'loaded': [],
    }
    assert not (tmp_path / '.aiida').exists()


def test_the_graph_state_imports_no_aiida_module(tmp_path: Path) -> None:
    """The graph state is plain data: it should load without aiida-core, like the scheduler."""
    assert imported_aiida_modules('aiida_workgraph.engine.graph_state', tmp_path) == []


# endregion
