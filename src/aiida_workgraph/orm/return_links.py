"""Link the outputs of a workflow node to it (``RETURN`` links) in one transaction.

aiida-core's ``Process.update_outputs`` adds each output link with ``add_incoming``, which commits on its own; every
commit expires every node the process holds, its outputs among them, so a workflow with ``n`` outputs reloads them
``n`` times. :func:`add_return_links` validates each link as ``add_incoming`` does and inserts them all in one
statement.
"""

from __future__ import annotations

from typing import Any

from aiida import orm
from aiida.common.exceptions import ModificationNotAllowed
from aiida.common.links import LinkType
from aiida.orm.entities import EntityTypes

from .transaction import atomic

__all__ = ('add_return_links',)


def add_return_links(node: orm.WorkflowNode, outputs: dict[str, Any]) -> None:
    """Link every output of ``outputs`` (``{link label: stored data node}``) that ``node`` does not return yet.

    Each link is checked by aiida-core's link validation (``validate_incoming``/``validate_outgoing``), then all are
    inserted together: all or none.

    :raises ModificationNotAllowed: if an output node is not stored (a workflow cannot create data); nothing is linked.
    :raises ValueError: if a link is not valid (e.g. its label is not a valid link label); nothing is linked.
    """
    if not outputs:
        return
    storage = node.backend
    with atomic(storage):
        linked = set(
            orm.QueryBuilder(backend=storage)
            .append(orm.WorkflowNode, filters={'id': node.pk}, tag='workflow')
            .append(
                orm.Data,
                with_incoming='workflow',
                edge_filters={'type': LinkType.RETURN.value},
                edge_project='label',
            )
            .all(flat=True)
        )
        new = {label: data for label, data in outputs.items() if label not in linked}
        for label, data in new.items():
            if not data.is_stored:
                raise ModificationNotAllowed(
                    f'{node.process_label}<{node.pk}>: output `{label}` ({type(data).__name__}) is not stored; '
                    'a workflow can only return data that a calculation created or that was stored before'
                )
            data.base.links.validate_incoming(node, LinkType.RETURN, label)
            node.base.links.validate_outgoing(data, LinkType.RETURN, label)
        rows = [
            {'input_id': node.pk, 'output_id': data.pk, 'label': label, 'type': LinkType.RETURN.value}
            for label, data in new.items()
        ]
        if rows:
            storage.bulk_insert(EntityTypes.LINK, rows)
