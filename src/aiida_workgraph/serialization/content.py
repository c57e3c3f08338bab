"""Walking what is inside a dict or list value: every item once, in linear time, without ever crashing.

A dict or list becomes a ``Dict`` or ``List`` node whose content the database stores as JSON. :class:`ContentWalker`
visits every item once and refuses, naming the item's place (``.k``, ``[2]``): a dict key that is not a string, a
dict or list that contains itself (its place is where the cycle closes), nesting deeper than :data:`MAX_DEPTH`, and
strings no database can store (:func:`check_string`). Other items are handed to a leaf check. The place of an item is
only spelled out when something is refused, so a list of a million numbers costs a million type checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from .errors import ConversionRefused

#: How deep dicts and lists may be nested inside one value. aiida-core cleans and stores attributes recursively,
#: and SQLite's JSON functions stop at 1000 levels: a value nested deeper than this is refused, never a crash.
MAX_DEPTH = 100
FIX_CYCLE = 'store a copy without the reference to itself (e.g. build it anew, or replace the reference by a key)'
FIX_DEPTH = f'flatten it to at most {MAX_DEPTH} levels, or store it as a file (`orm.SinglefileData`)'
FIX_NUL = 'remove the NUL characters, or store binary content as a file (`orm.SinglefileData`)'
FIX_SURROGATE = 'remove it, or decode the original bytes as UTF-8 (`data.decode("utf-8")`) instead of escaping them'
_SHOWN_KEYS = 8


def storage_refuses_nul() -> bool:
    """Whether the current profile's storage refuses NUL characters in strings (PostgreSQL's text and JSONB do;
    SQLite stores them)."""
    from aiida.manage import get_manager

    profile = get_manager().get_profile()
    return profile is None or 'sqlite' not in profile.storage_backend


def check_string(text: str, refuse_nul: bool) -> None:
    """Refuse a string the database cannot store.

    :param refuse_nul: refuse NUL characters (``'\\x00'``), which PostgreSQL cannot store in text or JSON.
    :raises ConversionRefused: for a NUL character (when refused) or a lone surrogate (``'\\ud800'``), which is not
        UTF-8 and which no database accepts.
    """
    if refuse_nul and '\x00' in text:
        raise ConversionRefused(
            f'a string with a NUL character (\\x00, at index {text.index(chr(0))}) cannot be stored in PostgreSQL',
            FIX_NUL,
        )
    if not text.isascii():
        try:
            text.encode('utf-8')
        except UnicodeEncodeError as exception:
            character = text[exception.start]
            raise ConversionRefused(
                f'a string with a lone surrogate ({character!r} at index {exception.start}) is not valid UTF-8 and '
                'cannot be stored',
                FIX_SURROGATE,
            ) from exception


def format_keys(keys: list[Any]) -> str:
    """Return the place of an item, ``.k[2]``, shortened in the middle when it is very deep."""
    parts = [(f'.{key}' if key.isprintable() else f'[{key!r}]') if isinstance(key, str) else f'[{key}]' for key in keys]
    if len(parts) > 2 * _SHOWN_KEYS:
        hidden = len(parts) - 2 * _SHOWN_KEYS
        parts = [*parts[:_SHOWN_KEYS], f'...({hidden} more levels)...', *parts[-_SHOWN_KEYS:]]
    return ''.join(parts)


class ContentWalker:
    """Visits every item inside nested dicts, lists and tuples once; see the module's description.

    :param check_leaf: called with every item that is not a dict, list, tuple, string, ``int``, ``bool``, ``None`` or
        finite ``float``; it raises :class:`ConversionRefused` (without a place) for an item it refuses.
    :param refuse_nul: refuse strings with NUL characters (see :func:`storage_refuses_nul`).
    :param finite_floats: refuse NaN and infinity (``False`` leaves floats to ``check_leaf``).
    """

    def __init__(self, check_leaf: Callable[[Any], None], refuse_nul: bool, finite_floats: bool = True):
        self.check_leaf = check_leaf
        self.refuse_nul = refuse_nul
        self.finite_floats = finite_floats
        self._keys: list[Any] = []
        self._ancestors: set[int] = set()

    def walk(self, value: Any) -> None:
        """Check ``value`` and everything inside it.

        :raises ConversionRefused: for the first item refused, with its place in ``subpath`` and the item as
            ``value`` (for a dict with a bad key, the dict).
        """
        self._keys = []
        self._ancestors = set()
        self._visit(value)

    def _refuse(self, refused: ConversionRefused, item: Any) -> ConversionRefused:
        return ConversionRefused(refused.reason, refused.fix, format_keys(self._keys), item)

    def _visit(self, value: Any) -> None:
        value_type = type(value)
        if value_type is int or value_type is bool or value is None:
            return
        try:
            if value_type is str:
                check_string(value, self.refuse_nul)
            elif value_type is float and self.finite_floats:
                if not math.isfinite(value):
                    raise ConversionRefused(
                        'NaN and infinity cannot be stored in the database', 'pass None or a finite number'
                    )
            elif isinstance(value, (Mapping, list, tuple)):
                self._visit_container(value)
            else:
                self.check_leaf(value)
        except ConversionRefused as refused:
            if refused.subpath or refused.value is not ConversionRefused.WHOLE_VALUE:
                raise
            raise self._refuse(refused, value) from refused

    def _check_key(self, key: str) -> None:
        """Refuse a dict key the database cannot store, at the key's place."""
        try:
            check_string(key, self.refuse_nul)
        except ConversionRefused as refused:
            raise ConversionRefused(f'its key: {refused.reason}', refused.fix, format_keys(self._keys), key) from None

    def _visit_container(self, value: Any) -> None:
        if id(value) in self._ancestors:
            raise ConversionRefused(f'it contains itself (a {type(value).__name__} that holds itself)', FIX_CYCLE)
        if len(self._keys) >= MAX_DEPTH:
            raise ConversionRefused(f'dicts and lists are nested deeper than {MAX_DEPTH} levels', FIX_DEPTH)
        self._ancestors.add(id(value))
        keys = self._keys
        if isinstance(value, Mapping):
            for key, item in value.items():
                if type(key) is not str:
                    raise self._refuse(
                        ConversionRefused(
                            f'dict key {key!r} is a {type(key).__name__}, but JSON needs string keys', 'use string keys'
                        ),
                        value,
                    )
                keys.append(key)
                self._check_key(key)
                self._visit(item)
                keys.pop()
        else:
            for index, item in enumerate(value):
                keys.append(index)
                self._visit(item)
                keys.pop()
        self._ancestors.discard(id(value))


__all__ = ['MAX_DEPTH', 'ContentWalker', 'check_string', 'storage_refuses_nul']
