"""
Pausing, playing and killing tasks
==================================

The tasks of a WorkGraph running in the daemon can be paused, played, killed and reset while it runs, from Python
(``wg.pause_tasks([...])``) or the console (``workgraph task pause PROCESS TASKS``). The request goes through the
profile's broker to the engine process. A graph whose only unfinished tasks are paused waits; it does not finish.

This script starts the daemon if it is not running (and stops it again at the end).
"""

# %%
# A job followed by a task we hold back
# -------------------------------------
# Tasks run by a daemon worker must be importable: here aiida-core's ``ArithmeticAddCalculation``.

import time

from aiida import load_profile, orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.common.exceptions import NotExistent
from aiida.engine.daemon.client import get_daemon_client

from aiida_workgraph import WorkGraph

load_profile()
client = get_daemon_client()
started_here = not client.is_daemon_running
if started_here:
    client.start_daemon(number_workers=1)

try:
    code = orm.load_code('bash-sleep-2@localhost')
except NotExistent:
    code = orm.InstalledCode(
        label='bash-sleep-2',
        computer=orm.load_computer('localhost'),
        filepath_executable='/bin/bash',
        default_calc_job_plugin='core.arithmetic.add',
        prepend_text='sleep 2',
    ).store()

wg = WorkGraph('lifecycle_task_control')
first = wg.add_task(ArithmeticAddCalculation, name='first', x=orm.Int(1), y=orm.Int(2), code=code)
second = wg.add_task(ArithmeticAddCalculation, name='second', x=first.outputs.sum, y=orm.Int(3), code=code)
third = wg.add_task(ArithmeticAddCalculation, name='third', x=second.outputs.sum, y=orm.Int(4), code=code)
wg.submit()


def wait_until(condition, what, timeout=120):
    """Poll until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f'timed out waiting for {what}')
        time.sleep(0.5)


# %%
# Pause ``second`` before it runs, then play it
# ---------------------------------------------
# While ``second`` is paused, ``first`` finishes and the graph waits (its process status says so).

try:
    print(wg.pause_tasks(['second']))
    status = 'Waiting for tasks: none; paused: second'
    wait_until(lambda: orm.load_node(wg.pk).process_status == status, 'the graph to wait on second')
    wg.update()
    print('while paused:', {name: wg.tasks[name].state for name in ('first', 'second', 'third')}, '-', status)
    print(wg.play_tasks(['second']))

    # %%
    # Kill ``third`` before it runs
    # -----------------------------
    # A killed task ends KILLED; the graph ends with exit status 302 (a task did not finish).

    print(wg.kill_tasks(['third']))
    wg.wait(timeout=120, interval=0.5)
    print('at the end:', {name: wg.tasks[name].state for name in ('first', 'second', 'third')})
    print('exit status:', wg.process.exit_status)
    assert wg.tasks['second'].outputs.sum.value.value == 6
    assert wg.tasks['third'].state == 'KILLED'
    assert wg.process.exit_status == 302
finally:
    if started_here:
        client.stop_daemon(wait=True, timeout=60)
