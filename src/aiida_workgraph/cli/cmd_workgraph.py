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


@task.command('list')
@arguments.PROCESS()
@decorators.with_dbenv()
def task_list(process) -> None:
    """List the tasks of PROCESS with their state and process."""
    from ..orm.upstream_graph import UpstreamGraphError, read_structure, read_task_records
    from ..orm.workgraph_node import TASK_PROCESS, TASK_STATE, WorkGraphNode

    if not isinstance(process, WorkGraphNode):
        echo.echo_critical(f'node <{process.pk}> is not a WorkGraph process')
    try:  # graphs of this package and of upstream aiida-workgraph 0.9.0
        structure = read_structure(process)
    except UpstreamGraphError as exception:
        echo.echo_critical(str(exception))
    records = read_task_records(process)
    states, processes = records[TASK_STATE], records[TASK_PROCESS]
    names = [name for name in structure['tasks'] if name not in ('graph_inputs', 'graph_outputs', 'graph_ctx')]
    width = max((len(name) for name in names), default=4)
    echo.echo(f'{"Task":<{width}}  {"State":<9}  Process')
    for name in names:
        echo.echo(f'{name:<{width}}  {states.get(name, "PLANNED"):<9}  {processes.get(name, "")}')


def _not_available(action: str):
    @task.command(action)
    @arguments.PROCESS()
    @click.argument('tasks', nargs=-1)
    @decorators.with_dbenv()
    def command(process, tasks) -> None:
        echo.echo_critical(f'`verdi workgraph task {action}` is not available in this release yet')

    command.__doc__ = f'{action.capitalize()} TASKS of PROCESS (not available in this release yet).'
    return command


task_pause = _not_available('pause')
task_play = _not_available('play')
task_kill = _not_available('kill')
