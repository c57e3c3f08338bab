"""``set_aiida_loglevel``: the level of AiiDA's log messages (the option ``logging.aiida_loglevel``)."""

from __future__ import annotations

LEVELS = ('CRITICAL', 'ERROR', 'WARNING', 'REPORT', 'INFO', 'DEBUG')


def set_aiida_loglevel(level: str) -> None:
    """Set ``logging.aiida_loglevel`` in the AiiDA configuration and apply it now.

    The option is stored for the loaded profile (as ``verdi config set logging.aiida_loglevel LEVEL`` does, and as
    upstream does), or for every profile when none is loaded. It also sets what reaches the database: below REPORT
    (``ERROR``...), ``verdi process report`` and ``verdi`` itself show nothing more for that profile.

    :param level: one of ``CRITICAL``, ``ERROR``, ``WARNING``, ``REPORT``, ``INFO``, ``DEBUG`` (any case).
    :raises ValueError: if ``level`` is not one of them.
    """
    from aiida.common.log import AIIDA_LOGGER, LOG_LEVELS
    from aiida.manage.configuration import get_config, get_profile

    name = str(level).upper()
    if name not in LEVELS:
        raise ValueError(f'unknown log level {level!r}: expected one of {", ".join(LEVELS)}')
    config = get_config()
    profile = get_profile()
    config.set_option('logging.aiida_loglevel', name, scope=profile.name if profile else None)
    config.store()
    AIIDA_LOGGER.setLevel(LOG_LEVELS[name])


__all__ = ['LEVELS', 'set_aiida_loglevel']
