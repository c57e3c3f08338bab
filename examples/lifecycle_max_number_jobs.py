"""
Limiting the number of running jobs
===================================

``wg.max_number_jobs`` caps how many task processes of the graph run at once; the others wait until one ends.
"""

# %%
# Four jobs, two at a time
# ------------------------

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

wg = WorkGraph('max_number_jobs')
for index in range(4):
    wg.add_task(ArithmeticAddCalculation, name=f'job{index}', x=orm.Int(index), y=orm.Int(10), code=code)
wg.max_number_jobs = 2
wg.run()

# %%
# Each job lives from its creation to its sealing; at no moment were more than two alive.

children = sorted(
    (link.node for link in wg.process.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()),
    key=lambda node: node.pk,
)
events = sorted([(child.ctime, 1) for child in children] + [(child.mtime, -1) for child in children])
alive = peak = 0
for _, change in events:
    alive += change
    peak = max(peak, alive)
print('sums:', [child.outputs.sum.value for child in children], '- most jobs at once:', peak)
assert wg.process.exit_status == 0
assert peak <= 2
