"""
Shell commands
==============

``shelljob`` runs a shell command as aiida-shell's ``ShellJob`` CalcJob (on ``localhost`` unless
``metadata.computer`` says otherwise). Its outputs are ``stdout``, ``stderr``, the files named in ``outputs`` and what
a ``parser`` returns, and they link into other tasks like any output.
"""

# %%
# Arguments, nodes, files and a parser
# ------------------------------------
# ``{name}`` in the arguments is replaced by the node ``name`` (its value, or the name of the file it is written to).

from aiida import load_profile, orm

from aiida_workgraph import WorkGraph, shelljob

load_profile()


def parse_total(dirpath):
    """Read the number printed on stdout."""
    from aiida import orm

    return {'total': orm.Int(int((dirpath / 'stdout').read_text().strip()))}


with WorkGraph('shelljob_commands') as wg:
    numbers = shelljob(
        command='bash', arguments=['-c', 'seq {n} > numbers.txt'], nodes={'n': orm.Int(4)}, outputs=['numbers.txt']
    )
    summed = shelljob(
        command='bash',
        arguments=['-c', 'echo $(( $(paste -sd+ {numbers}) ))'],
        nodes={'numbers': numbers.numbers_txt},
        parser=parse_total,
        parser_outputs=['total'],
        metadata={'call_link_label': 'sum_numbers', 'options': {'prepend_text': 'set -e'}},
    )
    wg.outputs.total = summed.total
    wg.outputs.numbers = numbers.numbers_txt

outputs = wg.run()
print('numbers:', outputs['numbers'].get_content().split())
print('total:', outputs['total'].value)
for task in wg.tasks:
    if task.process is not None:
        print(f'{task.name}: {task.process.process_label}<{task.pk}> {task.state}')
assert wg.process.exit_status == 0
assert outputs['total'].value == 10
