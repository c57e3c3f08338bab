"""
Error handlers
==============

A task's process can fail with an exit code its error handler knows what to do about: the handler changes the task's
inputs and the task runs again, as a new process, up to ``max_retries`` times.
"""

# %%
# A CalcJob that fails with exit code 410
# ---------------------------------------
# aiida-core's ``ArithmeticAddCalculation`` finishes with exit status 410 when the sum is negative. The handler is
# called with the failed task (``task.inputs``, ``task.process``, ``task.exit_status``) and the handler's ``kwargs``;
# it sets ``x`` to its absolute value and returns a message, which the engine reports.

from aiida import load_profile, orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.common.exceptions import NotExistent
from aiida.common.links import LinkType

from aiida_workgraph import WorkGraph

load_profile()

try:
    code = orm.load_code('bash@localhost')
except NotExistent:
    code = orm.InstalledCode(
        label='bash',
        computer=orm.load_computer('localhost'),
        filepath_executable='/bin/bash',
        default_calc_job_plugin='core.arithmetic.add',
    ).store()


def make_x_positive(task, factor=1):
    """Replace ``x`` by ``factor * |x|`` for the next attempt."""
    x = task.inputs.x.value.value
    task.inputs.x.value = orm.Int(factor * abs(x))
    return f'{task.process.process_label}<{task.pk}> ended {task.exit_status}; x: {x} -> {factor * abs(x)}'


wg = WorkGraph('error_handler_calcjob')
add = wg.add_task(ArithmeticAddCalculation, name='add', x=orm.Int(-5), y=orm.Int(2), code=code)
add.add_error_handler(
    {'negative_sum': {'executor': make_x_positive, 'exit_codes': [410], 'max_retries': 3, 'kwargs': {'factor': 2}}}
)
wg.outputs.sum = add.outputs.sum
outputs = wg.run()

# %%
# Every attempt is its own process
# --------------------------------
# Both CalcJobs are called by the WorkGraph under the task's name; the task keeps the last one.

attempts = sorted(
    (link.node for link in wg.process.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()),
    key=lambda node: node.pk,
)
for job in attempts:
    print(f'{job.process_label}<{job.pk}>: x={job.inputs.x.value}, exit status {job.exit_status}')
print('sum:', outputs['sum'].value, '- graph exit status:', wg.process.exit_status)
assert [job.exit_status for job in attempts] == [410, 0]
assert outputs['sum'].value == 12
assert wg.tasks['add'].process.pk == attempts[-1].pk

# %%
# On the graph, for several tasks
# -------------------------------
# ``WorkGraph(error_handlers=...)`` registers a handler for the tasks named in ``tasks`` (all tasks without it).
# A handler must say which exit codes it handles; one without ``exit_codes`` is refused, as it could never run.

wg = WorkGraph(
    'error_handler_graph',
    error_handlers={'negative_sum': {'executor': make_x_positive, 'exit_codes': [410], 'tasks': ['first', 'second']}},
)
wg.add_task(ArithmeticAddCalculation, name='first', x=orm.Int(-1), y=orm.Int(2), code=code)
wg.add_task(ArithmeticAddCalculation, name='second', x=orm.Int(-3), y=orm.Int(2), code=code)
wg.run()
print({name: wg.tasks[name].outputs.sum.value.value for name in ('first', 'second')})
assert wg.process.exit_status == 0
assert wg.tasks['second'].outputs.sum.value.value == 5
