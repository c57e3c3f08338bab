"""Run three small graphs with upstream aiida-workgraph 0.9.0 for ``tests/data/upstream-0.9.0.aiida``.

Run by ``scripts/make_upstream_archive.sh`` with the interpreter of a virtual environment that has upstream
aiida-workgraph 0.9.0 installed, on a fresh profile whose daemon is running (its workers import
``upstream_db.upstream_tasks`` from the tests folder). It submits:

- ``upstream_finished``: ``add`` (plain task) -> ``multiply`` (calcfunction) -> ``arithmetic_add``
  (``ArithmeticAddCalculation`` on ``bash@localhost``, with a plain ``metadata.options`` value), graph output ``sum``;
- ``upstream_failed``: ``add`` -> ``fail`` (raises) -> ``add2`` (skipped);
- ``upstream_unfinished``: ``add`` -> ``sleep_add`` (``ArithmeticAddCalculation`` whose job sleeps first) ->
  ``add2``, left while its CalcJob waits for the job (the shell script then stops the daemon).

``run`` submits them and prints one ``label pk state`` line per graph and ``sleep_job JOB_ID`` for the job the
shell script must end. ``export ARCHIVE CHECKPOINT`` (once the daemon is stopped) writes every node to the archive
and the checkpoint of ``upstream_unfinished`` to the file ``CHECKPOINT``: aiida-core refuses to export unsealed
processes, so this step lifts that check, and an import drops every checkpoint, so the test fixture puts this one
back on the imported node, as it was in the upstream profile.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from aiida import load_profile, orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from upstream_db.upstream_tasks import add, fail, multiply

from aiida_workgraph import WorkGraph

TIMEOUT = 300


def make_code(label: str, prepend_text: str = '') -> orm.InstalledCode:
    """Store a ``/bin/bash`` code for ``ArithmeticAddCalculation`` on ``localhost``."""
    code = orm.InstalledCode(
        label=label,
        computer=orm.load_computer('localhost'),
        filepath_executable='/bin/bash',
        default_calc_job_plugin='core.arithmetic.add',
    )
    code.prepend_text = prepend_text
    return code.store()


def finished_graph(code: orm.InstalledCode) -> WorkGraph:
    """A graph of a plain task, a calcfunction and a CalcJob that all finish."""
    with WorkGraph('upstream_finished') as wg:
        total = add(x=1, y=2).result
        product = multiply(x=total, y=3).result
        job = wg.add_task(
            ArithmeticAddCalculation,
            name='arithmetic_add',
            x=product,
            y=4,
            code=code,
            metadata={'options': {'max_wallclock_seconds': 600}},
        )
        wg.outputs.sum = job.outputs.sum
    return wg


def failed_graph() -> WorkGraph:
    """A graph whose second task raises, so that the third is skipped."""
    with WorkGraph('upstream_failed') as wg:
        total = add(x=1, y=2).result
        failed = fail(x=total).result
        add(x=failed, y=1)
    return wg


def unfinished_graph(sleep_code: orm.InstalledCode) -> WorkGraph:
    """A graph whose CalcJob sleeps, so that it is still waiting when the daemon is stopped."""
    with WorkGraph('upstream_unfinished') as wg:
        total = add(x=1, y=2).result
        job = wg.add_task(ArithmeticAddCalculation, name='sleep_add', x=total, y=4, code=sleep_code)
        add(x=job.outputs.sum, y=1)
    return wg


def wait_for_job(wg: WorkGraph, task: str) -> orm.CalcJobNode:
    """Wait until the CalcJob of ``task`` has submitted its job, and return its node."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for link in wg.process.base.links.get_outgoing(link_label_filter=task).all():
            if link.node.get_job_id() is not None:
                return link.node
        time.sleep(1)
    raise TimeoutError(f'the job of task {task} of WorkGraph<{wg.process.pk}> was not submitted in {TIMEOUT} s')


def run() -> None:
    """Submit the three graphs and print their pks."""
    code = make_code('bash')
    sleep_code = make_code('bash-sleep', 'sleep 3600')
    for wg in (finished_graph(code), failed_graph()):
        wg.submit(wait=True, timeout=TIMEOUT, interval=1)
        print(wg.name, wg.process.pk, wg.process.process_state.value, wg.process.exit_status, flush=True)
    wg = unfinished_graph(sleep_code)
    wg.submit()
    job = wait_for_job(wg, 'sleep_add')
    print(wg.name, wg.process.pk, wg.process.process_state.value, flush=True)
    print('sleep_job', job.get_job_id(), flush=True)


def export(archive: Path, checkpoint: Path) -> None:
    """Export every node (unsealed processes included) and write the unfinished graph's checkpoint."""
    from aiida.tools.archive import create

    node = orm.QueryBuilder().append(orm.WorkflowNode, filters={'label': 'upstream_unfinished'}).one()[0]
    checkpoint.write_text(node.checkpoint, encoding='utf-8')
    create._check_unsealed_nodes = lambda *args, **kwargs: None
    create.create_archive(None, archive, overwrite=True)


if __name__ == '__main__':
    load_profile()
    if sys.argv[1:2] == ['run']:
        run()
    elif sys.argv[1:2] == ['export'] and len(sys.argv) == 4:
        export(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(f'usage: {sys.argv[0]} run | export ARCHIVE CHECKPOINT')
