"""Reading what a task's process left behind: its outputs, or why it failed."""

from __future__ import annotations

from typing import Any

from aiida import orm
from aiida.common.links import LinkType


def process_outputs(node: orm.ProcessNode) -> dict[str, Any]:
    """Return the outputs of a finished process as a nested dict of nodes."""
    return node.base.links.get_outgoing(link_type=(LinkType.CREATE, LinkType.RETURN)).nested()


def process_failure(node: orm.ProcessNode) -> str | None:
    """Return why a terminated process failed, or ``None`` if it finished successfully."""
    if node.is_finished_ok:
        return None
    label = f'{node.process_label}<{node.pk}>'
    if node.is_finished:
        return f'{label} finished with exit status {node.exit_status}: {node.exit_message or ""}'.rstrip(': ')
    if node.is_excepted:
        return f'{label} excepted: {node.exception or ""}'.strip()
    return f'{label} was killed'


def seal_orphan(node: orm.ProcessNode) -> None:
    """Mark a process function that a dead worker left unfinished as excepted, and seal it.

    A process function cannot be continued from a checkpoint; the engine runs its task again as a new process.
    """
    from aiida.engine import ProcessState

    node.set_process_state(ProcessState.EXCEPTED)
    node.set_exception(
        'The interpreter running this process function stopped before it finished (the daemon worker was killed or '
        'stopped); the WorkGraph that called it runs the task again as a new process.'
    )
    node.seal()


def is_process_function(node: orm.ProcessNode) -> bool:
    """Whether ``node`` is the node of a process that runs inside its caller's step and cannot be continued."""
    return isinstance(node, (orm.CalcFunctionNode, orm.WorkFunctionNode))


def called_processes(parent: orm.ProcessNode) -> dict[str, orm.ProcessNode]:
    """The latest process ``parent`` called under each CALL link label."""
    latest: dict[str, orm.ProcessNode] = {}
    for link in parent.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all():
        if link.link_label not in latest or link.node.pk > latest[link.link_label].pk:
            latest[link.link_label] = link.node
    return latest
