"""Serialization layer: converting values to AiiDA data once, and reporting every value that cannot be kept."""

from .errors import ValueProblem, WorkGraphSerializationError

__all__ = ['ValueProblem', 'WorkGraphSerializationError']
