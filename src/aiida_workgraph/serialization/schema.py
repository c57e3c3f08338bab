"""What the walk needs to know about a place in the input namespace: is it a namespace, data or a plain value.

Two kinds of schema exist: the socket specs of node-graph (plain-function tasks, graph inputs, ctx) and the port
namespaces of AiiDA processes (calcfunctions, CalcJobs, WorkChains), whose ports may declare a ``serializer``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiida.engine.processes.ports import PortNamespace
from node_graph.socket_spec import SocketSpec

NAMESPACE = 'namespace'
DATA = 'data'
PLAIN = 'plain'


@dataclass(frozen=True)
class Slot:
    """The schema of one place in the input tree.

    :param kind: ``namespace`` (recurse into a dict), ``data`` (convert to AiiDA data) or ``plain`` (JSON, kept).
    :param child: returns the slot of a key inside a namespace.
    :param serializer: the port's own serializer, applied instead of ours when set.
    :param port: the place is a port of an AiiDA process, where ``None`` means "not given".
    :param valid_type: the types the port accepts (``None``: any).
    """

    kind: str
    child: Callable[[str], Slot]
    serializer: Callable[[Any], Any] | None = None
    port: bool = False
    valid_type: Any = None


def _no_child(_key: str) -> Slot:
    """Keys below a leaf are data leaves (used for dynamic content)."""
    return DATA_LEAF


DATA_LEAF = Slot(DATA, _no_child)
PLAIN_LEAF = Slot(PLAIN, lambda _key: PLAIN_LEAF)


def spec_slot(spec: SocketSpec | None) -> Slot:
    """Return the slot of a node-graph socket spec (``None`` means an undeclared, dynamic key: data)."""
    if spec is None:
        return DATA_LEAF
    if spec.meta.is_metadata:
        return PLAIN_LEAF
    if not spec.is_namespace():
        return DATA_LEAF

    def child(key: str) -> Slot:
        if key in spec.fields:
            return spec_slot(spec.fields[key])
        return spec_slot(spec.item)

    return Slot(NAMESPACE, child)


def _dynamic_child(_key: str) -> Slot:
    """Any key under a dynamic port namespace: a nested namespace for a dict, a data leaf for anything else."""
    return DYNAMIC_PORT_NAMESPACE


DYNAMIC_PORT_NAMESPACE = Slot(NAMESPACE, _dynamic_child, port=True)


def port_slot(port: Any) -> Slot:
    """Return the slot of an AiiDA port or port namespace, keeping the port's own serializer."""
    if isinstance(port, PortNamespace):
        if port.non_db or port.is_metadata:
            return PLAIN_LEAF

        def child(key: str) -> Slot:
            if key in port:
                return port_slot(port[key])
            # Under a dynamic namespace plumpy takes a plain dict as a nested namespace, anything else as a value.
            return DYNAMIC_PORT_NAMESPACE if port.dynamic else DATA_LEAF

        return Slot(NAMESPACE, child, port=True)
    if port.non_db or getattr(port, 'is_metadata', False):
        return PLAIN_LEAF
    return Slot(DATA, _no_child, serializer=port.serializer, port=True, valid_type=port.valid_type)
