"""``set_aiida_loglevel``: the level of AiiDA's log messages (the option ``logging.aiida_loglevel``)."""

from __future__ import annotations

LEVELS = ('CRITICAL', 'ERROR', 'WARNING', 'REPORT', 'INFO', 'DEBUG')


def set_aiida_loglevel(level: str) -> None:
    """Set ``logging.aiida_loglevel`` in the AiiDA configuration (as ``verdi config set`` does) and apply it now.

    :param level: one of ``CRITICAL``, ``ERROR``, ``WARNING``, ``REPORT``, ``INFO``, ``DEBUG`` (any case).
    :raises ValueError: if ``level`` is not one of them.
    """
    from aiida.common.log import AIIDA_LOGGER, LOG_LEVELS
    from aiida.manage.configuration import get_config

    name = str(level).upper()
    if name not in LEVELS:
        raise ValueError(f'unknown log level {level!r}: expected one of {", ".join(LEVELS)}')
    config = get_config()
    config.set_option('logging.aiida_loglevel', name)
    config.store()
    AIIDA_LOGGER.setLevel(LOG_LEVELS[name])


__all__ = ['LEVELS', 'set_aiida_loglevel']
