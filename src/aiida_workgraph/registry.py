"""The registries of WorkGraph: task, socket and property classes, and the type hint -> socket identifier table.

They are read from the entry-point groups ``aiida_workgraph.task``, ``aiida_workgraph.socket``,
``aiida_workgraph.property``, ``aiida_workgraph.type_mapping`` and ``aiida_workgraph.type_promotion``, so a plugin
can register its own. ``type_mapping`` is the merged table (``int`` -> ``'workgraph.int'``, ...).

The identifiers ``node_graph.*`` that structures written by earlier releases of this package hold are aliases of
the matching ``workgraph.*`` classes, so such graphs load with typed sockets.
"""

from __future__ import annotations

from node_graph.registry import RegistryHub

from .socket import LEGACY_IDENTIFIERS

registry_hub = RegistryHub.from_prefix(
    task_group='aiida_workgraph.task',
    socket_group='aiida_workgraph.socket',
    property_group='aiida_workgraph.property',
    type_mapping_group='aiida_workgraph.type_mapping',
    type_promotion_group='aiida_workgraph.type_promotion',
    identifier_prefix='workgraph',
)

type_mapping = registry_hub.type_mapping
"""Type hint -> socket identifier (``'default'``: ``'workgraph.any'``)."""

type_promotion = registry_hub.type_promotion
"""(source, target) socket identifiers that may be linked although they differ."""

TaskPool = registry_hub.task_pool
"""The task entry points by name, with attribute access: ``wg.add_task(TaskPool.workgraph.test_add)``."""
"""(source, target) socket identifiers that may be linked although they differ."""

for _legacy, _current in LEGACY_IDENTIFIERS.items():
    registry_hub.socket_pool[_legacy] = registry_hub.socket_pool[_current]
    if _current in registry_hub.property_pool:
        registry_hub.property_pool[_legacy] = registry_hub.property_pool[_current]

__all__ = ['RegistryHub', 'TaskPool', 'registry_hub', 'type_mapping', 'type_promotion']
