"""``verdi workgraph``: inspect the tasks of WorkGraph processes."""

from __future__ import annotations

import click
from aiida.cmdline.groups.verdi import VerdiCommandGroup
from aiida.cmdline.params import arguments
from aiida.cmdline.utils import decorators, echo


@click.group('workgraph', cls=VerdiCommandGroup)
def workgraph() -> None:
    """Inspect and control WorkGraph processes."""


@workgraph.group('task')
def task() -> None:
    """Inspect and control the tasks of a WorkGraph process."""


#: The rule above and below the table of ``task list``, as upstream prints it.
RULE = '-' * 80
#: The tasks of every graph that stand for its inputs, outputs and context.
GRAPH_LEVEL_TASKS = ('graph_inputs', 'graph_outputs', 'graph_ctx')


@task.command('list')
@arguments.PROCESS()
@decorators.with_dbenv()
def task_list(process) -> None:
    """List the tasks of PROCESS with their process pk and state, in upstream's layout.

    A header names the graph, its pk and its process state; the table has the columns ``Name``, ``PK`` and ``State``
    (the graph-level tasks ``graph_inputs``, ``graph_outputs``, ``graph_ctx`` are FINISHED once the graph finished).
    Exits with an error message if PROCESS is not a WorkGraph process or its graph cannot be read.
    """
    from tabulate import tabulate

    from ..enums import TASK_PROCESS, TASK_STATE
    from ..orm.upstream_graph import UpstreamGraphError, read_structure, read_task_records
    from ..orm.workgraph_node import WorkGraphNode

    if not isinstance(process, WorkGraphNode):
        echo.echo_critical(f'node <{process.pk}> is not a WorkGraph process')
    try:  # graphs of this package and of upstream aiida-workgraph 0.9.0
        structure = read_structure(process)
    except UpstreamGraphError as exception:
        echo.echo_critical(str(exception))
    records = read_task_records(process)
    states, processes = records[TASK_STATE], records[TASK_PROCESS]
    graph_level = 'FINISHED' if process.is_finished else 'PLANNED'
    rows = [
        [name, processes.get(name), graph_level if name in GRAPH_LEVEL_TASKS else states.get(name, 'PLANNED')]
        for name in structure['tasks']
    ]
    state = process.process_state.value.upper() if process.process_state else 'CREATED'
    echo.echo(RULE)
    echo.echo(f'WorkGraph: {structure.get("name", process.label)}, PK: {process.pk}, State: {state}')
    echo.echo(RULE)
    echo.echo('Tasks:')
    echo.echo(tabulate(rows, headers=['Name', 'PK', 'State']))
    echo.echo(RULE)


def _task_action(action: str, summary: str):
    @task.command(action)
    @arguments.PROCESS()
    @click.argument('tasks', nargs=-1, required=True)
    @click.option('-t', '--timeout', type=float, default=10.0, show_default=True, help='Seconds to wait for an answer.')
    @decorators.with_dbenv()
    def command(process, tasks, timeout) -> None:
        from ..engine.task_control import TaskControlError, send_task_action

        try:
            done = send_task_action(process.pk, action, list(tasks), timeout=timeout)
        except (ValueError, TaskControlError) as exception:
            echo.echo_critical(str(exception))
        for name, what in done.items():
            echo.echo(f'{name}: {what}')

    command.__doc__ = f'{summary} TASKS of the running WorkGraph PROCESS (through the broker).'
    return command


task_pause = _task_action('pause', 'Pause')
task_play = _task_action('play', 'Play')
task_kill = _task_action('kill', 'Kill')
