"""The process node of a WorkGraph run."""

from __future__ import annotations

import json
from typing import Any

from aiida.common.log import AIIDA_LOGGER
from aiida.orm import WorkChainNode

from ..enums import TASK_RECORDS
from ..serialization.checkpoint_loader import check_checkpoint
from .attribute_merge import merge_attributes

STRUCTURE_FILENAME = 'workgraph.json'


class WorkGraphNode(WorkChainNode):
    """The node of a ``WorkGraphEngine`` process.

    It holds the graph structure once, in its file repository (``workgraph.json``), and a per-task record of the
    run in its attributes: ``task_states``, ``task_processes`` (pk of each task's process), ``task_results`` (pks
    of the results of plain-function tasks) and ``task_errors``, each a ``{task: value}`` dict.
    """

    _updatable_attributes = (*WorkChainNode._updatable_attributes, *TASK_RECORDS)

    @property
    def checkpoint(self) -> str | None:
        """Return the checkpoint of the process, or ``None`` if it has none, after checking that it is safe to load.

        aiida-core's persister reads the checkpoint through this property and loads it with an unsafe YAML loader;
        :func:`~aiida_workgraph.serialization.checkpoint_loader.check_checkpoint` refuses it first if it holds
        anything a WorkGraph checkpoint does not (a ``!!python/object/apply:os.system`` tag...), constructing nothing.

        A process made by upstream aiida-workgraph 0.9.0 gets, whatever is stored (which stays as it is), the stand-in
        bundle of :func:`~aiida_workgraph.orm.upstream_graph.hold_checkpoint`: it loads as a process that reports why
        it is not continued and waits, instead of failing the load (which would mark the process excepted).

        :raises CheckpointError: naming the process and the cause, if the checkpoint is not a serialized process
            bundle or holds a tag or class that is not allowed.
        """
        from .upstream_graph import hold_checkpoint, is_upstream_node

        if is_upstream_node(self):
            return hold_checkpoint(self)
        checkpoint = super().checkpoint
        if checkpoint is not None:
            check_checkpoint(checkpoint, f'WorkGraph<{self.pk}>', self.process_class)
        return checkpoint

    def get_structure(self) -> dict[str, Any]:
        """Return the graph structure stored when the process was created.

        :raises FileNotFoundError: if the node holds no graph structure.
        """
        return json.loads(self.base.repository.get_object_content(STRUCTURE_FILENAME, mode='rb'))

    @property
    def workgraph_data_short(self) -> dict[str, Any]:
        """The short JSON of the graph that the WorkGraph web GUI (aiida-gui-workgraph) draws, as upstream gives it.

        ``name``, ``uuid``, ``state`` (the process state) and ``nodes`` ({task: identifier, label, node_type, inputs,
        outputs, properties, position, children}), ``links`` ({from_node, to_node, from_socket, to_socket}); see
        :func:`aiida_workgraph.orm.gui_view.workgraph_data_short`. Read from ``workgraph.json`` (or, for a node of
        upstream 0.9.0, its ``workgraph_data`` attribute) once per node, then cached.
        """
        from .gui_view import workgraph_data_short

        return workgraph_data_short(self)

    def task_record(self, record: str) -> dict[str, Any]:
        """Return the ``{task: value}`` dict of one of the ``TASK_*`` records."""
        return self.base.attributes.get(record, {})

    def update_task_records(self, changes: dict[tuple[str, str], Any]) -> None:
        """Apply ``{(record, task): value}`` changes to the task records in one database write.

        Only the changed entries are written (a JSON merge in the database), so a change costs the same however many
        task instances the records already hold.
        """
        records: dict[str, dict[str, Any]] = {}
        for (record, task), value in changes.items():
            records.setdefault(record, {})[task] = value
        merge_attributes(self, records)


# aiida-core names a node class's logger after its module; outside ``aiida.*`` it would miss the ``aiida`` logger's
# handlers, so the engine's ``report()`` messages would reach neither the database nor ``verdi process report``.
WorkGraphNode._logger = AIIDA_LOGGER.getChild('orm.nodes.process.workflow.workgraph.WorkGraphNode')
