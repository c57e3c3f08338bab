"""
Monitors and async tasks
========================

A monitor (``@task.monitor``) calls its function every ``interval`` seconds until it returns ``True``; after
``timeout`` seconds it fails with exit status 324. An ``async def`` task is awaited. Both wait on the engine's event
loop: the other tasks go on meanwhile, and several of them wait at the same time.
"""

# %%
# Wait for a file another task writes
# -----------------------------------

import os
import tempfile

from aiida import load_profile

from aiida_workgraph import WorkGraph, task

load_profile()


@task.monitor
def file_exists(path):
    """Whether ``path`` exists."""
    import os

    return os.path.exists(path)


@task
async def slow_square(x, delay=0.5):
    """Return ``x * x`` after ``delay`` seconds, without blocking the engine."""
    import asyncio

    await asyncio.sleep(delay)
    return x * x


@task
def write(path):
    """Write the file ``path``."""
    with open(path, 'w') as handle:
        handle.write('ready')
    return path


flag = os.path.join(tempfile.mkdtemp(), 'ready.txt')
wg = WorkGraph('lifecycle_monitors')
waiting = wg.add_task(file_exists, name='wait_ready', path=flag, interval=0.2, timeout=60)
squares = [wg.add_task(slow_square, name=f'square{x}', x=x) for x in range(3)]
writer = wg.add_task(write, name='write', path=flag)
squares[0] >> writer
after = wg.add_task(slow_square, name='after', x=squares[2].outputs.result, delay=0)
waiting >> after
wg.run()
print({name: wg.tasks[name].state for name in ('wait_ready', 'square0', 'square1', 'square2', 'write', 'after')})
print('after:', wg.tasks['after'].outputs.result.value.value)
assert wg.process.exit_status == 0
assert wg.tasks['after'].outputs.result.value.value == 16

# %%
# A monitor that times out
# ------------------------
# The built-in ``workgraph.monitor_file`` waits for a file that never comes.

wg = WorkGraph('lifecycle_monitor_timeout')
wg.add_task('workgraph.monitor_file', name='never', filepath=flag + '.missing', interval=0.1, timeout=1)
wg.run()
print('never:', wg.tasks['never'].state, 'exit status', wg.tasks['never'].process.exit_status)
assert wg.tasks['never'].process.exit_status == 324
