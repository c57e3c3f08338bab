"""Benchmarks of checkpoints: their size, and the time to save and to load one, for graphs of 10, 100, 1000 tasks.

Every step of a running WorkGraph saves one checkpoint (``persister.save_checkpoint``), and a daemon worker loads one
each time it continues a process (``persister.load_checkpoint`` and unbundling it into an engine, which also rebuilds
the inputs from the node's links and the structure from its repository). Both are timed here, per step, at two
stages of a graph of ``n`` independent ``@task`` additions (``workload.build_independent``):

- ``saved``: the checkpoint written by ``wg.save()`` (no task ran; the runtime state is empty);
- ``after n tasks``: the last checkpoint before the end: the engine runs one plain task per step and ends in the step
  that runs the last one, so it is the checkpoint after ``n - 1`` tasks (the runtime state holds ``n`` task records,
  ``n - 1`` of them with result references), taken by loading the saved process here and stepping it.

``extra_info`` records ``n``, the stage and ``checkpoint_bytes`` (the length of ``node.checkpoint``). Timings are
measurements, never assertions; the assertions check that each case measured what it says.

This file uses our engine's runtime state (``process.graph_state``), so it runs against this package only, and it
is named ``test_*.py``: ``scripts/run_benchmarks.sh`` (which compares with upstream) collects ``bench_*.py`` only. Run
it with ``.venv/bin/pytest benchmarks/test_checkpoint_bench.py -p no:cacheprovider --basetemp=...``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest

N_VALUES = (10, 100, 1000)
ROUNDS = {10: 10, 100: 5, 1000: 2}
STAGES = ('saved', 'after n tasks')


@dataclass
class CheckpointCases:
    """Process nodes whose stored checkpoint is at a given stage, made once per ``(n, stage)`` and kept.

    :ivar runner: a runner without a broker (as ``WorkGraph.run`` uses) that loads and steps the processes.
    :ivar workload: the benchmarks' ``workload`` module (graph builders).
    :ivar pks: ``{(n, stage): pk}`` of the nodes made so far.
    """

    runner: Any
    workload: ModuleType
    pks: dict[tuple[int, str], int] = field(default_factory=dict)

    def load(self, pk: int) -> Any:
        """Load the process ``pk`` from its checkpoint, as a daemon worker does, and return it."""
        from plumpy.persistence import LoadSaveContext

        bundle = self.runner.persister.load_checkpoint(pk)
        return bundle.unbundle(LoadSaveContext(runner=self.runner))

    def pk(self, n: int, stage: str) -> int:
        """Return the pk of a process of ``n`` tasks whose stored checkpoint is at ``stage``."""
        if (n, stage) not in self.pks:
            node = self.workload.build_independent(n).save()
            if stage == 'after n tasks':
                process = self.load(node.pk)
                try:
                    # Created -> Running -> one step per task; the step that runs the last task ends the process
                    while finished(process) < n - 1:
                        self.runner.loop.run_until_complete(process.step())
                    assert finished(process) == n - 1
                    assert not process.has_terminated()
                finally:
                    process.close()
            self.pks[(n, stage)] = node.pk
        return self.pks[(n, stage)]


def finished(process: Any) -> int:
    """How many task instances of a ``WorkGraphEngine`` process are FINISHED."""
    return sum(state == 'FINISHED' for state in process.graph_state.states().values())


@pytest.fixture(scope='module')
def cases(aiida_profile: Any, workload: ModuleType) -> CheckpointCases:
    """The checkpoint cases of this module, in a database emptied once when the module starts."""
    from aiida.manage import get_manager

    aiida_profile.reset_storage()
    # Not closed: a runner shares this thread's event loop with aiida's global runner (closing it closes the loop).
    return CheckpointCases(runner=get_manager().create_runner(communicator=None), workload=workload)


def record_size(benchmark: Any, pk: int, n: int, stage: str) -> int:
    """Put ``n``, the stage and the size of the stored checkpoint into ``extra_info``; return the size."""
    from aiida import orm

    size = len(orm.load_node(pk).checkpoint)
    benchmark.extra_info.update({'n': n, 'stage': stage, 'checkpoint_bytes': size})
    return size


@pytest.mark.parametrize('stage', STAGES)
@pytest.mark.parametrize('n', N_VALUES)
def test_checkpoint_save(benchmark: Any, cases: CheckpointCases, n: int, stage: str) -> None:
    """One step's checkpoint: ``persister.save_checkpoint(process)`` of a process at ``stage``."""
    from aiida import orm

    pk = cases.pk(n, stage)
    record_size(benchmark, pk, n, stage)
    process = cases.load(pk)
    benchmark.group = f'checkpoint save ({stage})'
    try:
        benchmark.pedantic(cases.runner.persister.save_checkpoint, args=(process,), rounds=ROUNDS[n], iterations=1)
    finally:
        process.close()
    # After a load, aiida-core's WorkChain holds the nested ctx dicts as ``AttributeDict``s, which the checkpoint
    # tags one by one: the checkpoint a reloaded process writes is a little larger than the one the run wrote.
    benchmark.extra_info['checkpoint_bytes_after_reload'] = len(orm.load_node(pk).checkpoint)


@pytest.mark.parametrize('stage', STAGES)
@pytest.mark.parametrize('n', N_VALUES)
def test_checkpoint_load(benchmark: Any, cases: CheckpointCases, n: int, stage: str) -> None:
    """Continuing a process: ``persister.load_checkpoint(pk)`` and unbundling it into a ``WorkGraphEngine``."""
    pk = cases.pk(n, stage)
    record_size(benchmark, pk, n, stage)
    benchmark.group = f'checkpoint load ({stage})'
    loaded: list[Any] = []

    def load() -> None:
        loaded.append(cases.load(pk))

    try:
        benchmark.pedantic(load, rounds=ROUNDS[n], iterations=1)
        process = loaded[-1]
        assert type(process).__name__ == 'WorkGraphEngine'
        assert len(process.plan.tasks) >= n
        expected = 0 if stage == 'saved' else n - 1
        assert finished(process) == expected
        assert len(process.graph_state.states()) == n
    finally:
        for process in loaded:
            process.close()
