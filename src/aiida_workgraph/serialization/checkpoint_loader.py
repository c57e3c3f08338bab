"""The check that makes loading a WorkGraph checkpoint safe: only tags and classes such a checkpoint holds.

aiida-core's persister reads a process's checkpoint through the node's ``checkpoint`` property and loads it with
``yaml.Loader``, which constructs whatever a tag names: ``!!python/object/apply:os.system [...]`` would run a
command on the daemon worker that loads the process. Before that happens, :func:`check_checkpoint` composes the
checkpoint (``yaml.compose`` parses it into a tree of tagged nodes and constructs no object), walks the tree once
and refuses any tag that a checkpoint written by this package's engine does not contain, and any class named in
plumpy's ``!!meta`` records that is not the process's own class or one of plumpy's savable state classes.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

from .checkpoint import CheckpointError

#: How every checkpoint written by aiida-core's persister (a serialized ``plumpy`` bundle) starts.
BUNDLE_TAG = '!plumpy:bundle'
_YAML = 'tag:yaml.org,2002:'
#: Every tag a checkpoint of a ``WorkGraphEngine`` holds: plain YAML values, plumpy's bundle, aiida-core's
#: containers and node references, and the awaitables of running children (``to_context``).
ALLOWED_TAGS = frozenset(
    {
        *(f'{_YAML}{name}' for name in ('map', 'seq', 'str', 'int', 'float', 'bool', 'null', 'set')),
        f'{_YAML}python/tuple',
        BUNDLE_TAG,
        '!aiida_attributedict',
        '!plumpy:attributes_frozendict',
        '!aiida_node',
        f'{_YAML}python/name:plumpy.process_listener.ProcessListener',
        *(
            f'{_YAML}python/object/apply:aiida.engine.processes.workchains.awaitable.{name}'
            for name in ('Awaitable', 'AwaitableAction', 'AwaitableTarget')
        ),
    }
)
#: Modules whose ``plumpy.persistence.Savable`` classes may be named in a ``!!meta`` record (states, steppers...).
SAVABLE_MODULES = ('plumpy.process_states', 'plumpy.workchains', 'plumpy.event_helper', 'plumpy.persistence')
OBJECT_LOADER = 'aiida.engine.persistence:ObjectLoader'
META = '!!meta'
META_TYPES = frozenset({'S', 'm'})


def process_class_identifier(process_class: type) -> str:
    """Return how plumpy names ``process_class`` in a checkpoint (``module:QualName``)."""
    return f'{process_class.__module__}:{process_class.__qualname__}'


def _is_savable_state_class(identifier: str) -> bool:
    """Whether ``identifier`` names a savable class of plumpy's state modules, which are imported already."""
    from plumpy.persistence import Savable

    module_name, _, name = identifier.partition(':')
    module = sys.modules.get(module_name) if module_name in SAVABLE_MODULES else None
    candidate = getattr(module, name, None) if module is not None and '.' not in name else None
    return isinstance(candidate, type) and issubclass(candidate, Savable)


def _short(tag: str) -> str:
    """Return a tag as it is written in a checkpoint (``!!python/...`` rather than ``tag:yaml.org,2002:python/...``)."""
    return f'!!{tag[len(_YAML) :]}' if tag.startswith(_YAML) else tag


def _scalar(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


class _Checker:
    """Walks a composed checkpoint once (aliases are visited once) and records the first thing it refuses."""

    def __init__(self, process_class: str | None):
        self.process_class = process_class

    def refusal(self, root: yaml.Node) -> str | None:
        """Return why the tree cannot be loaded, or ``None`` if every tag and class in it is allowed."""
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if node.tag not in ALLOWED_TAGS:
                return f'it holds the tag {_short(node.tag)!r}, which a WorkGraph checkpoint never contains'
            if isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if _scalar(key) == META:
                        problem = self._meta_refusal(value)
                        if problem:
                            return problem
                    stack.extend((key, value))
        return None

    def _meta_refusal(self, meta: yaml.Node) -> str | None:
        """Check plumpy's ``!!meta`` record: the class to create, the object loader, the member types."""
        if not isinstance(meta, yaml.MappingNode):
            return 'its !!meta record is not a mapping'
        for key, value in meta.value:
            name = _scalar(key)
            if name == 'class_name':
                identifier = _scalar(value)
                if identifier != self.process_class and not _is_savable_state_class(str(identifier)):
                    return f'it names the class {identifier!r}, which a WorkGraph checkpoint never contains'
            elif name == 'user':
                loaders = {_scalar(k): _scalar(v) for k, v in getattr(value, 'value', [])}
                if set(loaders) - {'object_loader'} or loaders.get('object_loader', OBJECT_LOADER) != OBJECT_LOADER:
                    return f'it names the object loader {loaders!r}, which a WorkGraph checkpoint never contains'
            elif name == 'types':
                kinds = {_scalar(v) for _, v in getattr(value, 'value', [])}
                if not kinds <= META_TYPES:
                    return f'its !!meta record holds member types {sorted(map(str, kinds))}'
            else:
                return f'its !!meta record holds the key {name!r}'
        return None


def check_checkpoint(checkpoint: Any, process_label: str, process_class: type | None) -> None:
    """Refuse a checkpoint that holds anything but what a WorkGraph checkpoint of this package contains.

    Nothing is constructed: the text is only parsed (``yaml.compose``) and its tags and plumpy class names are
    compared with allow-lists.

    :param checkpoint: the stored checkpoint (the node's ``checkpoints`` attribute).
    :param process_label: names the process in the error, e.g. ``WorkGraph<12>``.
    :param process_class: the process class of the node: the only class besides plumpy's state classes that the
        checkpoint may name.
    :raises CheckpointError: naming the process and what was refused (the tag or class), if the checkpoint is not a
        serialized bundle or holds a tag or class that is not allowed. A text that does not parse is left to
        aiida-core's loader, which fails on it before constructing anything.
    """
    prefix = f'{process_label}: the checkpoint cannot be loaded'
    if not (isinstance(checkpoint, str) and checkpoint.startswith(BUNDLE_TAG)):
        raise CheckpointError(
            f'{prefix}: it is corrupt (not a serialized process bundle; it starts with {str(checkpoint)[:40]!r})'
        )
    try:
        # The same (pure Python) parser as aiida-core's loader, so both see the same tags.
        root = yaml.compose(checkpoint, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        # aiida-core's loader parses the whole text before it constructs anything, so it fails the same way,
        # constructing nothing, and its error names the process.
        return
    identifier = process_class_identifier(process_class) if process_class is not None else None
    problem = _Checker(identifier).refusal(root) if root is not None else 'it is empty'
    if problem:
        raise CheckpointError(f'{prefix}: {problem}; nothing of it was loaded')


__all__ = ['ALLOWED_TAGS', 'BUNDLE_TAG', 'check_checkpoint', 'process_class_identifier']
