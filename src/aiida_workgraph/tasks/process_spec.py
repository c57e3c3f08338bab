"""Socket specs for AiiDA processes: a process's port namespaces as node-graph socket specs."""

from __future__ import annotations

from typing import Any

from aiida.engine.processes.ports import PortNamespace
from node_graph.socket_meta import SocketMeta
from node_graph.socket_spec import SocketSpec

from ..registry import type_mapping
from ..socket_spec import ANY, NAMESPACE


def port_identifier(port: Any) -> str:
    """The socket identifier of a port: its ``valid_type`` through the type mapping when that is one type, else any."""
    valid_type = getattr(port, 'valid_type', None)
    if isinstance(valid_type, tuple) and len(valid_type) == 1:
        valid_type = valid_type[0]
    if isinstance(valid_type, type):
        return type_mapping.get(valid_type, ANY)
    return ANY


def port_to_spec(port: Any, *, is_input: bool) -> SocketSpec:
    """Return the socket spec of an AiiDA port or port namespace.

    ``non_db`` ports and the ``metadata`` namespace become plain-value (``is_metadata``) sockets.
    """
    plain = bool(getattr(port, 'non_db', False) or getattr(port, 'is_metadata', False))
    required = bool(port.required) and not (hasattr(port, 'has_default') and port.has_default())
    if isinstance(port, PortNamespace):
        fields = {name: port_to_spec(child, is_input=is_input) for name, child in port.items()}
        meta = SocketMeta(
            required=required,
            dynamic=bool(port.dynamic),
            is_metadata=plain,
            help=port.help,
            call_role='kwargs' if is_input else None,
        )
        # A dynamic namespace that takes any value (no ``valid_type``) has no item type: a dict set on it becomes
        # a nested namespace of its own (``dynamic_port.nested.input4``), as upstream builds it.
        typed = port.dynamic and getattr(port, 'valid_type', None) is not None
        item = SocketSpec(port_identifier(port), meta=SocketMeta(required=False)) if typed else None
        return SocketSpec(NAMESPACE, fields=fields, item=item, meta=meta)
    meta = SocketMeta(required=required, is_metadata=plain, help=port.help, call_role='kwargs' if is_input else None)
    return SocketSpec(port_identifier(port), meta=meta)


def process_specs(process_class: Any) -> tuple[SocketSpec, SocketSpec]:
    """Return the (inputs, outputs) socket specs of an AiiDA process class."""
    spec = process_class.spec()
    inputs = port_to_spec(spec.inputs, is_input=True)
    outputs = port_to_spec(spec.outputs, is_input=False)
    return inputs, outputs
