"""``If`` and ``Zone``: tasks of a branch not taken end NOT_TAKEN (not a failure); zones wait for their inputs."""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from control_flow.flow_tasks import add, fail, undecided

from aiida_workgraph import If, Map, While, WorkGraph, Zone


def states(wg: WorkGraph) -> dict[str, str]:
    """``{task: state}`` of the tasks the user added."""
    return {task.name: task.state for task in wg.tasks if not task.name.startswith('graph_')}


def called(node: orm.ProcessNode) -> set[str]:
    """The CALL link labels of ``node``."""
    return {link.link_label for link in node.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()}


def test_if_runs_the_branch_whose_condition_holds() -> None:
    """``If(x > 5)`` and its inverse: one branch runs, the other is NOT_TAKEN; ctx takes the value of the taken one."""
    with WorkGraph('if_branches') as wg:
        x = add(x=1, y=1, metadata={'call_link_label': 'x'}).result
        with If(x > 5):
            big = add(x=x, y=100, metadata={'call_link_label': 'big'}).result
            wg.ctx.value = big
        with If(x > 5, invert_condition=True):
            small = add(x=x, y=10, metadata={'call_link_label': 'small'}).result
            wg.ctx.value = small
        wg.outputs.value = add(x=wg.ctx.value, y=0, metadata={'call_link_label': 'read_ctx'}).result
        wg.outputs.from_big = add(x=big, y=1, metadata={'call_link_label': 'after_big'}).result
    outputs = wg.run()

    assert wg.process.is_finished_ok
    found = states(wg)
    assert found['big'] == 'NOT_TAKEN'
    assert found['after_big'] == 'NOT_TAKEN'
    assert found['small'] == found['read_ctx'] == 'FINISHED'
    assert found['if_zone'] == found['if_zone1'] == 'FINISHED'
    assert outputs['value'].value == 12
    assert 'from_big' not in outputs
    assert called(wg.process) == {'x', 'op_gt', 'op_gt1', 'small', 'read_ctx'}
    assert wg.tasks['big'].process is None


def test_optional_input_from_a_branch_not_taken_runs_without_it() -> None:
    """A task that takes a value of a task not taken for an optional input runs without it (``workgraph.select`` picks
    the branch that ran, as upstream's test_if_task does); one that needs it for a required input is NOT_TAKEN."""
    with WorkGraph('select_after_if') as wg:
        x = add(x=1, y=1, metadata={'call_link_label': 'x'}).result
        condition = x > 5
        with If(condition):
            big = add(x=x, y=100, metadata={'call_link_label': 'big'}).result
        with If(condition, invert_condition=True):
            small = add(x=x, y=10, metadata={'call_link_label': 'small'}).result
    chosen = wg.add_task('workgraph.select', name='chosen', condition=condition, true=big, false=small)
    after = wg.add_task(add, name='after', x=chosen.outputs.result, y=1)
    wg.add_task(add, name='needs_big', x=big, y=1)
    wg.run()

    assert wg.process.is_finished_ok
    found = states(wg)
    assert found['big'] == found['needs_big'] == 'NOT_TAKEN'
    assert found['chosen'] == found['after'] == 'FINISHED'
    assert after.outputs.result.value == 13


def test_nested_if_inside_a_branch_not_taken_is_not_taken() -> None:
    """Everything inside a branch not taken is NOT_TAKEN, nested zones included; a taken outer zone opens inner ones."""
    with WorkGraph('nested_if') as wg:
        x = add(x=2, y=0, metadata={'call_link_label': 'x'}).result
        with If(x > 1):
            inner_value = add(x=x, y=1, metadata={'call_link_label': 'outer_taken'}).result
            with If(inner_value > 100):
                add(x=inner_value, y=1, metadata={'call_link_label': 'inner_not_taken'})
        with If(x > 10):
            with Zone():
                add(x=x, y=1, metadata={'call_link_label': 'deep'})
    wg.run()

    found = states(wg)
    assert found['outer_taken'] == 'FINISHED'
    assert found['inner_not_taken'] == 'NOT_TAKEN'
    assert found['deep'] == found['zone'] == 'NOT_TAKEN'
    assert wg.process.is_finished_ok


def test_zone_tasks_wait_for_everything_the_zone_depends_on() -> None:
    """A task of a zone with no input of its own starts only after what other tasks of the zone depend on."""
    with WorkGraph('zone_wait') as wg:
        slow = add(x=1, y=1, metadata={'call_link_label': 'outside'}).result
        with Zone():
            add(x=1, y=2, metadata={'call_link_label': 'free'})
            add(x=slow, y=1, metadata={'call_link_label': 'linked'})
    wg.run()

    assert wg.tasks['free'].process.pk > wg.tasks['outside'].process.pk
    assert states(wg)['zone'] == 'FINISHED'


def test_branch_depending_on_a_failed_task_is_skipped() -> None:
    """A failed task upstream of a zone skips the zone and its tasks; the graph fails with 302."""
    with WorkGraph('zone_after_failure') as wg:
        broken = fail(x=1).result
        with If(broken > 0):
            add(x=broken, y=1, metadata={'call_link_label': 'inside'})
    wg.run()

    assert wg.process.exit_status == 302
    found = states(wg)
    assert found['fail'] == 'FAILED'
    assert found['op_gt'] == found['if_zone'] == found['inside'] == 'SKIPPED'


def test_condition_without_a_truth_value_fails_the_zone() -> None:
    """A condition whose truth cannot be told fails the If with the reason; its tasks are skipped."""
    with WorkGraph('zone_bad_condition') as wg:
        with If(undecided(x=1).result):
            add(x=1, y=1, metadata={'call_link_label': 'inside'})
    wg.run()

    assert wg.process.exit_status == 302
    assert wg.tasks['if_zone'].state == 'FAILED'
    assert 'could not open the zone: ValueError: undecided 1: no truth value' in wg.tasks['if_zone'].log
    assert wg.tasks['inside'].state == 'SKIPPED'


def test_load_reads_zone_states() -> None:
    """``WorkGraph.load`` rebuilds a graph with zones and their task states."""
    with WorkGraph('zone_load') as wg:
        x = add(x=1, y=0, metadata={'call_link_label': 'x'}).result
        with If(x > 1):
            add(x=x, y=1, metadata={'call_link_label': 'inside'})
    wg.run()

    loaded = WorkGraph.load(wg.pk)
    assert states(loaded)['inside'] == 'NOT_TAKEN'
    assert states(loaded)['if_zone'] == 'FINISHED'


def test_zones_need_a_graph() -> None:
    """Outside a graph context a zone has nowhere to go."""
    with pytest.raises(RuntimeError, match='inside a `with WorkGraph'):
        with Zone():
            pass
    with pytest.raises(RuntimeError, match='inside a `with WorkGraph'):
        with While(None):
            pass
    with pytest.raises(RuntimeError, match='inside a `with WorkGraph'):
        with Map({}):
            pass


@pytest.mark.daemon
def test_if_through_the_daemon(started_daemon_client: Any) -> None:
    """A submitted graph with two branches: the daemon worker runs the one taken."""
    with WorkGraph('if_daemon') as wg:
        x = add(x=3, y=4, metadata={'call_link_label': 'x'}).result
        with If(x > 5):
            wg.outputs.big = add(x=x, y=100, metadata={'call_link_label': 'big'}).result
        with If(x > 5, invert_condition=True):
            wg.outputs.small = add(x=x, y=10, metadata={'call_link_label': 'small'}).result
    node = wg.submit(wait=True, timeout=180, interval=0.5)

    assert node.is_finished_ok, node.exit_message
    assert states(wg)['small'] == 'NOT_TAKEN'
    assert wg.outputs.big.value.value == 107


def test_zone_task_classes_with_add_task() -> None:
    """Without the context managers: ``add_task(IfTask, conditions=...)`` and ``zone.add_task(...)``."""
    from aiida_workgraph.authoring.zones import IfTask

    wg = WorkGraph('zone_add_task')
    x = wg.add_task(add, name='x', x=1, y=1)
    check = wg.add_task(add, name='check', x=x.outputs.result, y=-5)
    zone = wg.add_task(IfTask, name='when_positive', conditions=check.outputs.result)
    inside = zone.add_task(add, name='inside', x=x.outputs.result, y=1)
    wg.run()

    assert inside.parent is zone
    assert states(wg)['when_positive'] == 'FINISHED'
    assert states(wg)['inside'] == 'FINISHED'


def test_loaded_and_copied_graphs_keep_their_zones() -> None:
    """A graph rebuilt by ``WorkGraph.load`` or ``copy()`` keeps its tasks in their zones and runs the same way."""
    with WorkGraph('zone_copy') as wg:
        x = add(x=1, y=0, metadata={'call_link_label': 'x'}).result
        with If(x > 1):
            add(x=x, y=1, metadata={'call_link_label': 'inside'})
    wg.run()

    loaded = WorkGraph.load(wg.pk)
    assert loaded.tasks['inside'].parent.name == 'if_zone'
    loaded.reset()
    loaded.run()
    assert states(loaded)['inside'] == 'NOT_TAKEN'
    copied = wg.copy()
    assert copied.tasks['inside'].parent.name == 'if_zone'
    copied.run()
    assert states(copied)['inside'] == 'NOT_TAKEN'
