"""A checkpoint is loaded and continued by a fresh interpreter, the way a daemon worker continues a process.

The fresh interpreter does what a daemon worker does with a ``continue`` task: aiida-core's persister loads the
checkpoint from the node (``load_checkpoint``), the bundle is unbundled with a runner (this builds the engine from
the stored structure, the input links and the runtime state), and the runner runs the process to its end.
"""

from __future__ import annotations

import json
import signal
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiida import orm
from aiida.common.links import LinkType
from checkpoint_tasks import HELD_GRAPH_RESULTS, held_graph

from aiida_workgraph.enums import TASK_STATE
from aiida_workgraph.orm.workgraph_node import WorkGraphNode

TIMEOUT = 90
TASKS = ['first', 'cubed', 'job', 'held', 'last']

CONTINUE_SCRIPT = """
import json
from aiida import orm
from aiida.manage import get_manager
from plumpy.persistence import LoadSaveContext

runner = get_manager().create_runner(communicator=None)
bundle = runner.persister.load_checkpoint(pk)
process = bundle.unbundle(LoadSaveContext(runner=runner))
states = process.graph_state.states()
print('LOADED ' + json.dumps({'class': type(process).__name__, 'states': states}), flush=True)
runner.run(process)
node = orm.load_node(pk)
print('ENDED ' + json.dumps([node.process_state.value, node.exit_status]), flush=True)
"""

RUN_SCRIPT = """
from aiida import orm
from checkpoint_tasks import held_graph

wg = held_graph(orm.load_code(code_pk), release)
wg.run(metadata={'label': label})
"""


def continue_in_fresh_python(fresh_python: Callable[..., Any], pk: int) -> dict[str, Any]:
    """Continue the process ``pk`` from its checkpoint in a new interpreter; return what it printed, parsed.

    :return: ``{'LOADED': {'class': ..., 'states': ...}, 'ENDED': [process_state, exit_status], 'output': ...}``.
    """
    output = fresh_python(CONTINUE_SCRIPT, pk=pk).finish(TIMEOUT)
    printed: dict[str, Any] = {'output': output}
    for line in output.splitlines():
        key, _, value = line.partition(' ')
        if key in ('LOADED', 'ENDED'):
            printed[key] = json.loads(value)
    assert {'LOADED', 'ENDED'} <= set(printed), output
    return printed


def graph_outputs(node: orm.ProcessNode) -> dict[str, Any]:
    """Return the graph outputs of a WorkGraph process as plain values."""
    outputs = node.base.links.get_outgoing(link_type=LinkType.RETURN).nested()
    return {key: value.value for key, value in outputs.items()}


def test_saved_graph_is_continued_by_a_fresh_interpreter(
    bash_code: orm.InstalledCode,
    tmp_path: Path,
    fresh_python: Callable[..., Any],
    calls_per_task: Callable[[orm.ProcessNode], dict[str, int]],
) -> None:
    """``save()`` here, then another interpreter loads the checkpoint and runs the graph to its end."""
    release = tmp_path / 'release'
    release.touch()
    wg = held_graph(bash_code, str(release))
    node = wg.save()
    assert node.base.attributes.get('checkpoints')

    printed = continue_in_fresh_python(fresh_python, node.pk)

    # Nothing ran before: every task of the loaded engine is PLANNED.
    expected = {'class': 'WorkGraphEngine', 'states': dict.fromkeys(TASKS, 'PLANNED')}
    assert printed['LOADED'] == expected, printed['output']
    assert printed['ENDED'] == ['finished', 0], printed['output']
    node = orm.load_node(node.pk)
    assert node.is_finished_ok
    assert graph_outputs(node) == HELD_GRAPH_RESULTS
    assert node.task_record(TASK_STATE) == dict.fromkeys(TASKS, 'FINISHED')
    # Every task ran once, each as a child process (plain functions as PyFunction processes).
    assert calls_per_task(node) == dict.fromkeys(TASKS, 1)


def test_checkpoint_taken_mid_run_is_continued_by_a_fresh_interpreter(
    bash_code: orm.InstalledCode,
    tmp_path: Path,
    fresh_python: Callable[..., Any],
    wait_for: Callable[..., Any],
    calls_per_task: Callable[[orm.ProcessNode], dict[str, int]],
) -> None:
    """An interpreter running ``wg.run()`` is killed (SIGKILL) in the middle of the graph; another one continues it.

    The checkpoint left in the database was taken after the CalcJob finished: the fresh interpreter loads it, does not
    run ``cubed`` or ``job`` again, runs the interrupted plain task ``held`` and the rest, and the results are right.
    """
    release = tmp_path / 'release'
    started = Path(f'{release}.started')
    label = f'held-{uuid.uuid4().hex}'
    first_run = fresh_python(RUN_SCRIPT, code_pk=bash_code.pk, release=str(release), label=label)
    wait_for(
        lambda: started.exists() or first_run.process.poll() is not None,
        TIMEOUT,
        lambda: f'the task `held` did not start:\n{first_run.output()}',
    )
    assert first_run.process.poll() is None, first_run.output()
    first_run.process.send_signal(signal.SIGKILL)
    first_run.process.wait()

    # What the crash left: a process that is not terminated, with a checkpoint taken in the middle of the run.
    node = orm.QueryBuilder().append(WorkGraphNode, filters={'label': label}).one()[0]
    assert not node.is_terminated
    assert node.base.attributes.get('checkpoints')
    states = node.task_record(TASK_STATE)
    assert states['first'] == states['cubed'] == 'FINISHED', states
    assert states.get('last') != 'FINISHED', states
    # `held` was killed while its function ran: its PyFunction process is recorded only when it returns.
    assert calls_per_task(node) == {'first': 1, 'cubed': 1, 'job': 1}
    job = node.base.links.get_outgoing(link_label_filter='job').one().node
    assert job.is_finished_ok

    release.touch()
    printed = continue_in_fresh_python(fresh_python, node.pk)

    # The engine was rebuilt with the runtime state of the checkpoint: taken after the job ended, before `held` ran.
    loaded = printed['LOADED']
    assert loaded['class'] == 'WorkGraphEngine', printed['output']
    assert loaded['states']['first'] == loaded['states']['cubed'] == 'FINISHED', printed['output']
    assert loaded['states']['job'] in ('RUNNING', 'FINISHED'), printed['output']  # collected at the next step
    assert loaded['states']['held'] == loaded['states']['last'] == 'PLANNED', printed['output']
    assert printed['ENDED'] == ['finished', 0], printed['output']
    node = orm.load_node(node.pk)
    assert node.is_finished_ok
    assert graph_outputs(node) == HELD_GRAPH_RESULTS
    assert node.task_record(TASK_STATE) == dict.fromkeys(TASKS, 'FINISHED')
    # No child process ran twice; only the plain task that was interrupted ran again, and was recorded once.
    assert calls_per_task(node) == dict.fromkeys(TASKS, 1)
    assert node.outputs.job.pk == job.outputs.sum.pk
    assert started.read_text().splitlines() == ['started', 'started']
