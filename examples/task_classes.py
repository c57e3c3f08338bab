"""
Process builders and task classes
=================================

``add_task`` also takes a ``ProcessBuilder`` (its inputs and metadata become the task's inputs) and a ``Task``
subclass that declares its sockets and what it runs in ``_default_spec``. ``task.set_from_builder(builder)`` sets
the inputs of an existing task from a builder.
"""

# %%
# A CalcJob from a ProcessBuilder
# -------------------------------
# aiida-core's ``ArithmeticAddCalculation`` adds two numbers with ``bash``; the code ``bash@localhost`` is created
# if it does not exist yet.

from aiida import load_profile, orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from node_graph.executor import SafeExecutor
from node_graph.task_spec import TaskSpec

from aiida_workgraph import Task, WorkGraph, namespace
from aiida_workgraph.utils import get_or_create_code

load_profile()

code = get_or_create_code(computer='localhost', code_label='bash', code_path='/bin/bash')
builder = ArithmeticAddCalculation.get_builder()
builder.code = code
builder.x = orm.Int(1)
builder.y = orm.Int(2)
builder.metadata.label = 'made from a builder'

wg = WorkGraph('task_classes')
first = wg.add_task(builder, name='first')
second = wg.add_task(ArithmeticAddCalculation, name='second')
second.set_from_builder(builder)
second.inputs.x = first.outputs.sum

# %%
# A Task subclass
# ---------------
# Its ``_default_spec`` names the sockets and the executor: here the standard library's ``textwrap.shorten``, run by
# the engine as a plain function.


class Shorten(Task):
    """Shorten ``text`` to at most ``width`` characters with :func:`textwrap.shorten`."""

    _default_spec = TaskSpec(
        identifier='examples.shorten',
        task_type='PYFUNCTION',
        inputs=namespace(text=str, width=int),
        outputs=namespace(result=str),
        executor=SafeExecutor(module_path='textwrap', callable_name='shorten'),
        base_class=Task,
    )


shorten = wg.add_task(Shorten, name='shorten', text='a task class runs what its spec names', width=20)
wg.outputs.short = shorten.outputs.result

# %%
# Run it
# ------

outputs = wg.run()
print('first:', first.outputs.sum.value.value, 'second:', second.outputs.sum.value.value)
print('shortened:', outputs['short'].value)
assert second.outputs.sum.value.value == 5
assert outputs['short'].value == 'a task class [...]'
assert first.process.label == 'made from a builder'
