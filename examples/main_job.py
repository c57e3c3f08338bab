"""The main job: a real WorkGraph that runs each kind of task this release supports, end to end.

    add (@task) -> multiply (@task) -> cube (@task.calcfunction) -> arithmetic_add (ArithmeticAddCalculation)
        -> digit_sum (@task.pythonjob)

``add`` and ``multiply`` are plain Python functions that run inside the WorkGraph process, each run recorded as an
aiida-pythonjob ``PyFunction`` process (its inputs, its result and the call, as upstream records them). ``cube`` is an
AiiDA calcfunction. ``arithmetic_add`` is aiida-core's ``ArithmeticAddCalculation`` CalcJob, run by ``/bin/bash`` on
the ``localhost`` computer (the code ``bash@localhost`` is created if missing). ``digit_sum`` is a PythonJob: the
function runs as aiida-pythonjob's ``PythonJob`` CalcJob on ``localhost``, with this interpreter (so the job sees the
same packages). The graph runs with ``wg.run()``, in this
interpreter: no daemon and no broker is needed.

Run it with ``bash scripts/run_main_job.sh`` (sets up the virtual environment and the AiiDA profile first), or with
``python examples/main_job.py`` in an environment where an AiiDA profile is loadable. It prints the state of every
task and the graph outputs, and exits with status 1 if the process, a task or an output is not what it should be.

Adding a task (e.g. a PythonJob) takes three small steps, the rest of the script needs no change:
1. define the task function next to the others below;
2. add it in ``build_main_job``, linked to an output of an earlier task, and expose its result as a graph output
   (``wg.outputs.<name> = ...``);
3. add the value that output must have to ``EXPECTED_OUTPUTS``.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from aiida import load_profile, orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.common.exceptions import NotExistent
from node_graph.config import BUILTIN_TASKS

from aiida_workgraph import WorkGraph, task

# region task functions


@task
def add(x, y):
    """A plain Python function: runs in the WorkGraph process as a ``PyFunction`` process that creates an ``Int``."""
    return x + y


@task()
def multiply(x, y):
    """A plain Python function, decorated in the called form."""
    return x * y


@task.calcfunction
def cube(x):
    """An AiiDA calcfunction: runs as a child process of the WorkGraph, with full provenance."""
    return x**3


@task.pythonjob()
def digit_sum(n):
    """A PythonJob: runs as a CalcJob on ``localhost``; ``n`` arrives as a Python int, the result is stored."""
    return sum(int(digit) for digit in str(n))


# endregion

# The value each graph output must have (checked after the run).
EXPECTED_OUTPUTS = {
    'sum': 3,  # add: 1 + 2
    'product': 12,  # multiply: 3 * 4
    'cube': 1728,  # cube: 12 ** 3
    'total': 1729,  # arithmetic_add: 1728 + 1, computed by bash on localhost
    'digit_sum': 19,  # digit_sum: 1 + 7 + 2 + 9, computed by a PythonJob on localhost
}


def build_main_job(bash_code: orm.AbstractCode) -> WorkGraph:
    """Return the main job's WorkGraph; nothing is stored or run yet."""
    with WorkGraph('main_job') as wg:
        # Plain @task functions: calling a handle inside the `with` block adds a task and returns its outputs.
        summed = add(x=1, y=2).result
        product = multiply(x=summed, y=4).result
        # A calcfunction task.
        cubed = cube(x=product).result
        # A CalcJob class as a task, added by class, with an explicit task name.
        calculation = wg.add_task(
            ArithmeticAddCalculation,
            name='arithmetic_add',
            x=cubed,
            y=orm.Int(1),
            code=bash_code,
            metadata={'options': {'resources': {'num_machines': 1, 'num_mpiprocs_per_machine': 1}}},
        )
        # A PythonJob task, fed by the CalcJob's output node.
        digits = digit_sum(n=calculation.outputs.sum).result

        wg.outputs.sum = summed
        wg.outputs.product = product
        wg.outputs.cube = cubed
        wg.outputs.total = calculation.outputs.sum
        wg.outputs.digit_sum = digits
    return wg


# region setup of the computer and code


def get_localhost() -> orm.Computer:
    """Return the ``localhost`` computer, creating and configuring it as ``verdi presto`` does if it is missing."""
    try:
        computer = orm.load_computer('localhost')
    except NotExistent:
        from aiida.manage import get_manager
        from aiida.manage.configuration.settings import AiiDAConfigDir

        profile_name = get_manager().get_profile().name
        computer = orm.Computer(
            label='localhost',
            hostname='localhost',
            description='localhost, created by examples/main_job.py',
            transport_type='core.local',
            scheduler_type='core.direct',
            workdir=str(AiiDAConfigDir.get() / 'scratch' / profile_name),
        ).store()
        computer.set_minimum_job_poll_interval(1)
        computer.set_default_mpiprocs_per_machine(1)
        print(f'Created the computer localhost<{computer.pk}>')
    if not computer.is_configured:
        computer.configure(safe_interval=0)
    return computer


def get_bash_code() -> orm.AbstractCode:
    """Return the code ``bash@localhost`` (``/bin/bash``), creating it if it is missing."""
    try:
        return orm.load_code('bash@localhost')
    except NotExistent:
        pass
    code = orm.InstalledCode(
        computer=get_localhost(),
        filepath_executable='/bin/bash',
        label='bash',
        description='bash on localhost, created by examples/main_job.py',
        default_calc_job_plugin='core.arithmetic.add',
    ).store()
    print(f'Created the code bash@localhost<{code.pk}>')
    return code


# endregion

# region report


def _flatten(tree: Any, prefix: str = '') -> list[tuple[str, Any]]:
    if isinstance(tree, dict):
        items = []
        for key, value in tree.items():
            items.extend(_flatten(value, f'{prefix}.{key}' if prefix else key))
        return items
    return [(prefix, tree)]


def _describe(value: Any) -> str:
    if isinstance(value, orm.Node):
        shown = getattr(value, 'value', None)
        label = f'{type(value).__name__}<{value.pk}>'
        return f'{shown!r}  ({label})' if shown is not None else label
    return repr(value)


def report(wg: WorkGraph, outputs: dict[str, Any]) -> list[str]:
    """Print the process, every task's state and the graph outputs; return the list of problems found."""
    problems = []
    node = wg.process
    print(f'\nWorkGraph {wg.name!r}: process <{node.pk}> {node.process_state.value}, exit status {node.exit_status}')
    if not node.is_finished_ok:
        problems.append(f'the process did not finish successfully: {node.exit_status} {node.exit_message or ""}')

    tasks = [t for t in wg.tasks if t.name not in BUILTIN_TASKS]
    width = max(len(t.name) for t in tasks)
    print('\nTasks:')
    for t in tasks:
        ran_as = f'{t.process.process_label}<{t.process.pk}>'
        print(f'  {t.name:<{width}}  {t.state:<9}  {ran_as}')
        if t.state != 'FINISHED':
            problems.append(f'task {t.name} is {t.state}: {getattr(t, "log", "")}')

    flat = dict(_flatten(outputs))
    width = max((len(name) for name in [*flat, *EXPECTED_OUTPUTS]), default=4)
    print('\nGraph outputs:')
    for name, value in flat.items():
        print(f'  {name:<{width}} = {_describe(value)}')
    for name, expected in EXPECTED_OUTPUTS.items():
        value = getattr(flat.get(name), 'value', flat.get(name))
        if value != expected:
            problems.append(f'graph output {name} is {value!r}, expected {expected!r}')
    return problems


# endregion


def main() -> int:
    profile = load_profile()
    print(f'AiiDA profile: {profile.name} (storage {profile.storage_backend})')
    bash_code = get_bash_code()
    wg = build_main_job(bash_code)

    start = time.monotonic()
    outputs = wg.run()
    elapsed = time.monotonic() - start

    problems = report(wg, outputs)
    print(
        f'\nwg.run() took {elapsed:.1f} s. Inspect it with: workgraph task list {wg.pk}; verdi process status {wg.pk}'
    )
    if problems:
        print('\nMAIN JOB FAILED:', *problems, sep='\n  - ')
        return 1
    print('\nMAIN JOB OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
