"""Small helpers for nested dicts addressed by dotted paths (``a.b.c``), as sockets and namespaces are."""

from __future__ import annotations

from typing import Any

from aiida import orm


def get_nested(tree: Any, path: str) -> Any:
    """Return the value at a dotted ``path`` of a nested mapping, or ``None`` if it is absent."""
    for key in path.split('.'):
        if not hasattr(tree, 'get'):
            return None
        tree = tree.get(key)
        if tree is None:
            return None
    return tree


def set_nested(tree: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path`` of a nested dict, creating namespaces on the way."""
    *parents, last = path.split('.')
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[last] = value


def merge_nested(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge ``extra`` into ``base`` recursively and return ``base``."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_nested(base[key], value)
        else:
            base[key] = value
    return base


def as_dict(tree: Any) -> Any:
    """Return a mutable nested copy of a (frozen) mapping; leaves are kept as they are."""
    if hasattr(tree, 'items') and not isinstance(tree, orm.Node):
        return {key: as_dict(value) for key, value in tree.items()}
    return tree


def map_leaves(tree: Any, function: Any) -> Any:
    """A copy of a nested dict with ``function`` applied to every leaf (a non-dict ``tree`` is one leaf)."""
    if isinstance(tree, dict):
        return {key: map_leaves(value, function) for key, value in tree.items()}
    return function(tree)


def flatten(tree: Any, prefix: str = '') -> list[tuple[str, Any]]:
    """The ``(dotted path, leaf)`` pairs of a nested dict; an empty dict has no leaves."""
    if isinstance(tree, dict) and tree:
        items = []
        for key, value in tree.items():
            items.extend(flatten(value, f'{prefix}.{key}' if prefix else key))
        return items
    return [(prefix, tree)] if prefix else []
