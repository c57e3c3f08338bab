"""``Map``: the tasks inside it run once per item of its source, as instances named ``<key>_<task>``."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from control_flow.flow_tasks import add, fail_at, sum_diff, total

from aiida_workgraph import If, Map, While, WorkGraph, spec, task


def call_counts(node: orm.ProcessNode) -> Counter:
    """How many processes ``node`` called under each CALL link label."""
    links = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return Counter(link.link_label for link in links)


def values(namespace: Any) -> dict[str, Any]:
    """``{key: value}`` of a returned namespace of nodes."""
    return {key: node.value for key, node in namespace.items()}


@task
def label(k: Any, v: Any) -> str:
    """``'<k>:<v>'``."""
    return f'{k}:{v}'


@task
def squares(n: Any) -> dict[str, int]:
    """``{'k0': 0, 'k1': 1, 'k2': 4, ...}``: a dict with ``n`` items."""
    return {f'k{i}': i * i for i in range(n)}


@task
def odd_keys() -> dict[str, int]:
    """A dict whose keys cannot name task instances."""
    return {'good': 1, 'not good': 2, 'bad-key': 3}


def test_map_runs_its_tasks_once_per_item_and_gathers_their_results() -> None:
    """Each item gets its own processes (``a_add``, ``a_label``...), and the gathered outputs are keyed by item."""
    with WorkGraph('map_literal') as wg:
        with Map({'a': 1, 'b': 2, 'c': 3}) as items:
            total = add(x=items.value, y=10).result
            text = label(k=items.key, v=total).result
            items.gather({'total': total, 'text': text})
        wg.outputs.total = items.outputs.total
        wg.outputs.text = items.outputs.text
    outputs = wg.run()

    node = wg.process
    assert node.is_finished_ok, (node.exit_status, node.exit_message)
    assert values(outputs['total']) == {'a': 11, 'b': 12, 'c': 13}
    assert values(outputs['text']) == {'a': 'a:11', 'b': 'b:12', 'c': 'c:13'}
    assert call_counts(node) == {f'{key}_{name}': 1 for key in 'abc' for name in ('add', 'label')}
    returned = node.base.links.get_outgoing(link_type=LinkType.RETURN).all()
    assert sorted(link.link_label for link in returned) == [
        f'{name}__{key}' for name in ('text', 'total') for key in 'abc'
    ]
    # The structure holds each task once; the per-item instances are runtime state (the node's task records).
    assert [task.name for task in wg.tasks if not task.name.startswith('graph_')] == [
        'map_zone',
        'map_item',
        'add',
        'label',
        'gather_item',
    ]
    assert {task.name: task.state for task in wg.tasks if not task.name.startswith('graph_')} == dict.fromkeys(
        ['map_zone', 'map_item', 'add', 'label', 'gather_item'], 'FINISHED'
    )
    assert node.task_record('task_states')['b_label'] == 'FINISHED'


@task.graph(outputs=spec.namespace(res=spec.dynamic(Any)))
def square_plus_one(n: Any) -> dict[str, Any]:
    """Map over the dict a task returns: ``{k<i>: i*i + 1}``."""
    source = squares(n=n).result
    with Map(source) as map_zone:
        map_zone.gather({'res': add(x=map_zone.value, y=1).result})
    return {'res': map_zone.outputs.res}


def test_map_over_a_task_result_inside_a_graph_task() -> None:
    """The source is known only at run time: the items of the returned dict are converted as results are."""
    wg = square_plus_one.build(n=4)
    outputs = wg.run()

    assert wg.process.is_finished_ok
    assert values(outputs['res']) == {'k0': 1, 'k1': 2, 'k2': 5, 'k3': 10}
    assert call_counts(wg.process) == {'squares': 1, 'k0_add': 1, 'k1_add': 1, 'k2_add': 1, 'k3_add': 1}


def test_a_map_over_nothing_finishes_with_nothing_gathered() -> None:
    """An empty source: no task runs, the map finishes, a task after it still runs."""
    with WorkGraph('map_empty') as wg:
        with Map({}) as items:
            items.gather({'res': add(x=items.value, y=1).result})
        after = add(x=1, y=2, metadata={'call_link_label': 'after'})
        items >> after
    wg.run()

    assert wg.process.is_finished_ok
    assert call_counts(wg.process) == {'after': 1}
    assert wg.tasks['map_zone'].state == 'FINISHED'


def test_if_inside_a_map_is_decided_per_item() -> None:
    """Only the items whose condition holds run the branch; the others are left out of what is gathered."""
    with WorkGraph('map_if') as wg:
        with Map({'a': 1, 'b': 5, 'c': 7}) as items:
            with If(items.value > 3):
                big = add(x=items.value, y=100).result
            items.gather({'big': big})
        wg.outputs.big = items.outputs.big
    outputs = wg.run()

    assert wg.process.is_finished_ok, wg.process.exit_message
    assert values(outputs['big']) == {'b': 105, 'c': 107}
    records = wg.process.task_record('task_states')
    assert records['a_add'] == 'NOT_TAKEN'
    assert records['b_add'] == records['c_add'] == 'FINISHED'


def test_nested_maps_run_every_pair_of_items() -> None:
    """A map inside a map: instances ``<outer>_<inner>_<task>``; a task after the inner map runs once per outer."""
    with WorkGraph('map_nested') as wg:
        with Map({'x1': 1, 'x2': 2}) as outer:
            with Map({'y1': 10, 'y2': 20}) as inner:
                inner.gather({'sum': add(x=outer.value, y=inner.value).result})
            pair = sum_diff(x=outer.value, y=outer.value)
            outer.gather({'diff': pair.diff})
        wg.outputs.diff = outer.outputs.diff
    outputs = wg.run()

    assert wg.process.is_finished_ok, wg.process.exit_message
    counts = call_counts(wg.process)
    assert counts == {
        'x1_y1_add': 1,
        'x1_y2_add': 1,
        'x2_y1_add': 1,
        'x2_y2_add': 1,
        'x1_sum_diff': 1,
        'x2_sum_diff': 1,
    }
    assert values(outputs['diff']) == {'x1': 0, 'x2': 0}
    results = {
        link.link_label: link.node.outputs.result.value
        for link in wg.process.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()
        if link.link_label.endswith('_add')
    }
    assert results == {'x1_y1_add': 11, 'x1_y2_add': 21, 'x2_y1_add': 12, 'x2_y2_add': 22}


def test_map_inside_a_while_maps_again_each_iteration() -> None:
    """Each iteration of the loop runs the map's tasks once per item again."""
    with WorkGraph('map_while') as wg:
        wg.ctx.n = 0
        with While(wg.ctx.n < 5):
            with Map({'a': 1, 'b': 2}) as items:
                items.gather({'res': add(x=items.value, y=wg.ctx.n).result})
            wg.ctx.n = total(values=items.outputs.res, start=wg.ctx.n, metadata={'call_link_label': 'step'}).result
        wg.outputs.n = wg.ctx.n
    outputs = wg.run()

    assert wg.process.is_finished_ok, wg.process.exit_message
    # n = 0 -> 0 + (1 + 0) + (2 + 0) = 3 -> 3 + (1 + 3) + (2 + 3) = 12: the loop ends.
    assert outputs['n'].value == 12
    counts = call_counts(wg.process)
    assert counts['a_add'] == counts['b_add'] == counts['step'] == 2


def test_a_failing_item_fails_the_map_and_skips_what_needs_it() -> None:
    """One item fails: the others finish, the map fails naming it, the task after the map is skipped (exit 302)."""
    with WorkGraph('map_fail') as wg:
        with Map({'a': 1, 'b': 2, 'c': 3}) as items:
            items.gather({'res': fail_at(x=items.value, at=2).result})
        wg.outputs.after = total(values=items.outputs.res, metadata={'call_link_label': 'after'}).result
    wg.run()

    node = wg.process
    assert node.exit_status == 302
    assert "tasks: ['b_fail_at', 'map_zone'] failed" in node.exit_message
    records = node.task_record('task_states')
    assert records['a_fail_at'] == records['c_fail_at'] == 'FINISHED'
    assert records['after'] == 'SKIPPED'
    assert 'b_fail_at' in node.task_record('task_errors')['map_zone']


def test_item_keys_that_cannot_name_a_task_fail_the_map_naming_them() -> None:
    """Keys name the instances and call links: one with a space or a dash is refused, naming ``map.item[key]``."""
    with WorkGraph('map_bad_keys') as wg:
        with Map(odd_keys().result) as items:
            items.gather({'res': add(x=items.value, y=1).result})
    wg.run()

    node = wg.process
    assert node.exit_status == 302
    error = node.task_record('task_errors')['map_zone']
    assert "map_zone.item['not good']" in error
    assert "map_zone.item['bad-key']" in error
    assert 'letters, digits and underscores' in error
    assert call_counts(node) == {'odd_keys': 1}


def test_a_value_of_an_item_cannot_be_linked_out_of_the_map() -> None:
    """A task outside the map cannot take one item's value; the error says to gather it."""
    with WorkGraph('map_leak') as wg:
        with Map({'a': 1}) as items:
            inner = add(x=items.value, y=1).result
        add(x=inner, y=1)
    with pytest.raises(ValueError, match=r'one value per item of the Map zone map_zone; gather it'):
        wg.run()


def test_the_deprecated_item_namespace_still_works() -> None:
    """``map_zone.item.value`` (deprecated upstream) warns and links the item's value."""
    with WorkGraph('map_item_ns') as wg:
        with Map({'a': 1}) as items:
            with pytest.warns(DeprecationWarning, match='Map.item'):
                value = items.item.value
            items.gather({'res': add(x=value, y=1).result})
        wg.outputs.res = items.outputs.res
    outputs = wg.run()
    assert values(outputs['res']) == {'a': 2}


def test_the_entry_point_forms_make_the_same_map() -> None:
    """``workgraph.map_zone`` / ``map_item`` / ``gather_item`` added by identifier build the same graph."""
    wg = WorkGraph('map_entry_points')
    zone = wg.add_task('workgraph.map_zone', name='map1', source={'p': 3, 'q': 4})
    item = zone.add_task('workgraph.map_item', name='item1')
    double = zone.add_task(add, name='double', x=item.outputs.value, y=item.outputs.value)
    zone.gather({'res': double.outputs.result})
    wg.outputs.res = zone.outputs.res
    outputs = wg.run()
    assert values(outputs['res']) == {'p': 6, 'q': 8}
    assert call_counts(wg.process) == {'p_double': 1, 'q_double': 1}
