"""User configuration of aiida-workgraph: the JSON file ``workgraph.json`` in the AiiDA configuration folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONFIG_FILENAME = 'workgraph.json'
WORKGRAPH_EXTRA_KEY = '_workgraph'
WORKGRAPH_SHORT_EXTRA_KEY = '_workgraph_short'


def config_path() -> Path:
    """The path of ``workgraph.json`` in the AiiDA configuration folder (``$AIIDA_PATH/.aiida``)."""
    from aiida.manage.configuration.settings import AiiDAConfigDir

    return Path(AiiDAConfigDir.get()) / CONFIG_FILENAME


def load_config() -> dict[str, Any]:
    """Return the content of ``workgraph.json``, or ``{}`` when there is no such file.

    :raises ValueError: if the file is not a JSON object.
    """
    path = config_path()
    if not path.exists():
        return {}
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as exception:
        raise ValueError(f'{path} is not valid JSON: {exception}') from exception
    if not isinstance(config, dict):
        raise ValueError(f'{path} must hold a JSON object, not a {type(config).__name__}')
    return config


__all__ = ['CONFIG_FILENAME', 'WORKGRAPH_EXTRA_KEY', 'WORKGRAPH_SHORT_EXTRA_KEY', 'config_path', 'load_config']
