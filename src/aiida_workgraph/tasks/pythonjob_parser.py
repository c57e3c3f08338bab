"""The parser of PythonJob tasks (``aiida.parsers`` entry point ``workgraph.pythonjob``): typed results stay whole.

aiida-pythonjob's ``PythonJobParser`` turns a dataclass or a pydantic model into a ``dict`` of its fields before it
looks at the outputs, so a job with one output that returns such an object hands the next task a ``Dict``. This
parser gives that object to the output as it is, by the rules of plain ``@task`` functions
(:func:`~aiida_workgraph.serialization.results.whole_output`,
:func:`~aiida_workgraph.serialization.convert.to_data`): it is stored as ``DataclassData``/``JsonableData`` and
reaches the next task as an equal object of its class. Everything else (errors of the job script and their exit
codes, several outputs, namespaces, inline exit codes, other values) is parsed as aiida-pythonjob's parser does.

The PythonJob task kind selects this parser (``metadata.options.parser_name``) unless the user chose one. It is
loaded by AiiDA through its entry point only: aiida-pythonjob reads the AiiDA configuration when imported, so no
module of the package imports this one.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

from aiida.engine import ExitCode
from aiida_pythonjob.parsers.pythonjob import ERROR_TYPE_TO_EXIT_CODE, PythonJobParser
from aiida_pythonjob.parsers.utils import parse_outputs
from node_graph.socket_spec import SocketSpec
from node_graph.utils.struct_utils import is_structured_instance

from ..serialization.convert import to_data
from ..serialization.errors import ConversionRefused, type_name
from ..serialization.results import whole_output

ERROR_FILE = '_error.json'
RESULTS_FILE = 'results.pickle'


class WorkGraphPythonJobParser(PythonJobParser):
    """aiida-pythonjob's ``PythonJobParser``, except that a dataclass or pydantic result of a job with one output is
    that output's value, stored whole (``DataclassData``/``JsonableData``) instead of as a ``Dict`` of its fields."""

    def parse(self, **kwargs: Any) -> ExitCode | None:
        """Attach the job's results as outputs, or return the exit code of what went wrong."""
        self.outputs_spec = SocketSpec.from_dict(self.node.base.attributes.get('outputs_spec', {}))
        self.serializers = self.node.base.attributes.get('serializers', {})
        failure = self._script_failure()
        if failure is not None:
            return failure
        try:
            with self.retrieved.base.repository.open(RESULTS_FILE, 'rb') as handle:
                results = pickle.load(handle)
            outputs, exit_code = self._results_to_outputs(results)
            if exit_code:
                return exit_code
            for name, value in (outputs or {}).items():
                self.out(name, value)
        except OSError:
            return self.exit_codes.ERROR_READING_OUTPUT_FILE
        except ValueError as exception:
            self.logger.error(f'the output of the job could not be parsed: ValueError: {exception!s}')
            return self.exit_codes.ERROR_INVALID_OUTPUT
        return None

    def _script_failure(self) -> ExitCode | None:
        """The exit code of the error the job script recorded in its error file, if it recorded one."""
        try:
            with self.retrieved.base.repository.open(ERROR_FILE, 'r') as handle:
                error = json.load(handle)
        except OSError:
            return None
        except json.JSONDecodeError as exception:
            self.logger.error(f'the error file {ERROR_FILE} of the job could not be read: {exception}')
            return self.exit_codes.ERROR_INVALID_OUTPUT
        if not error:
            return None
        label = ERROR_TYPE_TO_EXIT_CODE.get(error.get('error_type', 'UNKNOWN_ERROR'), 'ERROR_SCRIPT_FAILED')
        return self.exit_codes[label].format(
            exception=error.get('exception_message', ''), traceback=error.get('traceback', '')
        )

    def _results_to_outputs(self, results: Any) -> tuple[dict[str, Any] | None, ExitCode | None]:
        """The output nodes by name for the function's return value, or the exit code of a mismatch.

        A dataclass or model that is the value of the one output is converted whole, as a plain task's result. If
        our rules refuse it (it does not load back as an equal object, ...), a warning says why and it is parsed as
        aiida-pythonjob does, as its fields.
        """
        name = whole_output(results, self.outputs_spec) if is_structured_instance(results) else None
        if name is not None:
            try:
                return {name: to_data(results, for_daemon=False)}, None
            except ConversionRefused as refused:
                self.logger.warning(
                    f'output {name} ({type_name(results)}) is stored as a dict of its fields, not as one object: '
                    f'{refused.reason}. Fix: {refused.fix}'
                )
        return parse_outputs(
            results,
            output_spec=self.outputs_spec,
            exit_codes=self.exit_codes,
            logger=self.logger,
            serializers=self.serializers,
        )


__all__ = ['WorkGraphPythonJobParser']
