"""
Restarting a graph
==================

``restart()`` prepares a new process that reuses the tasks that finished in the old one: their processes and results
are taken over, not run again. Only failed, skipped or changed tasks (and the tasks that depend on them) run.
"""

# %%
# A graph with a failing task
# ---------------------------
# ``check`` fails for a negative ``x``; ``slow`` and ``report`` do not depend on it and finish.

from aiida import load_profile

from aiida_workgraph import WorkGraph, task

load_profile()


@task
def check(x):
    """Return ``x``; refuse a negative one."""
    if x < 0:
        raise ValueError(f'{x} is negative')
    return x


@task
def double(x):
    """Return ``2 * x``."""
    return 2 * x


wg = WorkGraph('lifecycle_restart')
slow = wg.add_task(double, name='slow', x=21)
checked = wg.add_task(check, name='check', x=-1)
wg.add_task(double, name='after_check', x=checked.outputs.result)
wg.outputs.answer = slow.outputs.result
wg.run()
print('first run:', wg.process.exit_status, {name: wg.tasks[name].state for name in ('slow', 'check', 'after_check')})
first_slow = wg.tasks['slow'].pk

# %%
# Fix the input and restart
# -------------------------
# The new process takes ``slow`` over from the old one and runs ``check`` and ``after_check``.

wg.restart()
wg.tasks['check'].set_inputs({'x': 5})
outputs = wg.run()
print('restart:', wg.process.exit_status, {name: wg.tasks[name].state for name in ('slow', 'check', 'after_check')})
print('slow ran in', wg.tasks['slow'].pk, '(the first run:', first_slow, ')')
assert wg.process.exit_status == 0
assert wg.tasks['slow'].pk == first_slow
assert wg.tasks['after_check'].outputs.result.value.value == 10
assert outputs['answer'].value == 42

# %%
# Waiting with a timeout
# ----------------------
# ``wait(timeout=...)`` raises ``TimeoutError`` naming the process and the tasks that have not ended. A saved process
# that nobody runs never ends:

saved = WorkGraph('lifecycle_wait')
saved.add_task(double, name='never', x=1)
saved.save()
try:
    saved.wait(timeout=0.5, interval=0.1)
except TimeoutError as error:
    print(error)
