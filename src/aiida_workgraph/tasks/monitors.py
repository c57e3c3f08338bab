"""Built-in monitor tasks (``workgraph.monitor_time``, ``workgraph.monitor_file``, ``workgraph.monitor_task``).

Each is a ``@task.monitor``: the engine calls it every ``interval`` seconds until it returns ``True``; after
``timeout`` seconds the task fails with exit status 324.
"""

from __future__ import annotations

import datetime as _datetime

from ..authoring.decorator import task


@task.monitor
def monitor_time(time: _datetime.datetime | str) -> bool:
    """Whether the moment ``time`` (a ``datetime`` or an ISO 8601 string; local unless it names a zone) has come."""
    moment = _datetime.datetime.fromisoformat(time) if isinstance(time, str) else time
    now = _datetime.datetime.now(moment.tzinfo) if moment.tzinfo else _datetime.datetime.now()
    return now >= moment


@task.monitor
def monitor_file(filepath: str) -> bool:
    """Whether the file ``filepath`` exists (on the machine the engine runs on)."""
    import os

    return os.path.exists(filepath)


@task.monitor
def monitor_task(task_name: str, workgraph_pk: int | None = None, workgraph_name: str | None = None) -> bool:
    """Whether task ``task_name`` of another WorkGraph has ended (finished, failed, skipped, not taken or killed).

    The WorkGraph is the process ``workgraph_pk``, or the latest one named ``workgraph_name``; until one exists the
    answer is ``False``.

    :raises ValueError: if neither ``workgraph_pk`` nor ``workgraph_name`` is given.
    """
    from aiida import orm

    from ..enums import TASK_STATE, TERMINAL_TASK_STATES
    from ..orm.upstream_graph import read_task_records
    from ..orm.workgraph_node import WorkGraphNode

    if workgraph_pk is None and workgraph_name is None:
        raise ValueError('monitor_task needs `workgraph_pk` or `workgraph_name`')
    if workgraph_pk is not None:
        node = orm.load_node(workgraph_pk)
    else:
        query = orm.QueryBuilder().append(
            WorkGraphNode, filters={'attributes.process_label': f'WorkGraph<{workgraph_name}>'}, tag='graph'
        )
        query.order_by({'graph': {'id': 'desc'}}).limit(1)
        found = query.all(flat=True)
        if not found:
            return False
        node = found[0]
    return read_task_records(node)[TASK_STATE].get(task_name) in TERMINAL_TASK_STATES


__all__ = ['monitor_file', 'monitor_task', 'monitor_time']
