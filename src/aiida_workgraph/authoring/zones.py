"""Control-flow zones (``Zone``, ``If``, ``While``, ``Map``): names kept for scripts that import them.

:raises NotImplementedError: when used; control flow is not available in this release yet.
"""

from __future__ import annotations

from typing import Any

_MESSAGE = '{} is not available in this release of aiida-workgraph yet'


def _unavailable(name: str) -> Any:
    def factory(*_args: Any, **_kwargs: Any) -> Any:
        raise NotImplementedError(_MESSAGE.format(name))

    factory.__name__ = name
    factory.__doc__ = f'``{name}``: raises ``NotImplementedError`` until it is implemented.'
    return factory


Zone = _unavailable('Zone')
If = _unavailable('If')
While = _unavailable('While')
Map = _unavailable('Map')
