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


ORPHAN_EXTRA = 'workgraph_orphan'
"""Extra (``True``) of a process function node that the engine sealed as excepted because a dead worker left it
unfinished: its task runs again, the node is never the task's outcome. (An extra, not an attribute: aiida-core lets
only its own attributes change on a stored node before it is sealed.)"""

ORPHAN_EXCEPTION = (
    'The interpreter running this process function stopped before it finished (the daemon worker was killed or '
    'stopped); the WorkGraph that called it runs the task again as a new process.'
)
"""The exception message of a sealed orphan (also how one sealed before :data:`ORPHAN_EXTRA` existed is known)."""

NEVER_STARTED_EXCEPTION = (
    'The daemon worker that created this process was stopped before it handed the process to the broker, so it never '
    'ran; the WorkGraph that called it runs the task again as a new process.'
)
"""The exception message of a sealed child process that never ran (its node has no process state)."""


def seal_orphan(node: orm.ProcessNode, message: str = ORPHAN_EXCEPTION) -> None:
    """Mark a process that a dead worker left unfinished and that cannot be continued (a process function; a child
    created but never handed to the broker) as excepted orphan with ``message``, and seal it, all in one transaction.

    A process function cannot be continued from a checkpoint; the engine runs its task again as a new process. The
    node's state, exception, :data:`ORPHAN_EXTRA` and seal are committed together: a worker killed while sealing
    leaves the node as it was (unfinished, sealed again by the next recovery), never excepted without the mark that
    tells a later recovery that this failure is not the task's outcome.
    """
    from aiida.engine import ProcessState

    from ..orm.transaction import atomic

    with atomic(node.backend):
        node.set_process_state(ProcessState.EXCEPTED)
        node.set_exception(message)
        node.base.extras.set(ORPHAN_EXTRA, True)
        node.seal()


def is_sealed_orphan(node: orm.ProcessNode) -> bool:
    """Whether ``node`` is a process the engine sealed with :func:`seal_orphan` (so its task runs again)."""
    if not node.is_excepted:
        return False
    if node.base.extras.get(ORPHAN_EXTRA, False) or node.exception in (ORPHAN_EXCEPTION, NEVER_STARTED_EXCEPTION):
        return True
    # Excepted with no exception and not sealed: a seal of an earlier release cut short after its first write
    # (aiida-core itself writes the exception before the excepted state, and seals it after).
    return not node.exception and not node.is_sealed


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
