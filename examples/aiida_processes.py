"""
AiiDA processes as tasks
========================

A ``calcfunction``, a ``CalcJob`` class and a ``WorkChain`` class become tasks as they are: their ports are the
task's sockets, and each runs as a child process of the WorkGraph, named after its task.
"""

# %%
# Build the graph
# ---------------
# aiida-core's ``ArithmeticAddCalculation`` runs ``bash`` on the ``localhost`` computer; its code is created once.

from aiida import load_profile
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.workflows.arithmetic.multiply_add import MultiplyAddWorkChain

from aiida_workgraph import WorkGraph, task
from aiida_workgraph.utils import get_or_create_code

load_profile()

code = get_or_create_code(computer='localhost', code_label='bash', code_path='/bin/bash')


@task.calcfunction
def double(x):
    """Return ``2 * x`` as a calcfunction."""
    return x * 2


wg = WorkGraph('aiida_processes')
doubled = wg.add_task(double, name='double', x=3)
added = wg.add_task(ArithmeticAddCalculation, name='add', x=doubled.outputs.result, y=4, code=code)
chain = wg.add_task(MultiplyAddWorkChain, name='multiply_add', x=added.outputs.sum, y=2, z=1, code=code)
wg.outputs.result = chain.outputs.result

# %%
# Run it
# ------

outputs = wg.run()
for name in ('double', 'add', 'multiply_add'):
    print(name, wg.tasks[name].state, wg.tasks[name].process.process_label)
print('result:', outputs['result'].value)
assert outputs['result'].value == (3 * 2 + 4) * 2 + 1
