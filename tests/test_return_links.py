"""``add_return_links``: a workflow's outputs linked in one transaction, validated as aiida-core validates them."""

from __future__ import annotations

import pytest
from aiida import orm
from aiida.common.exceptions import ModificationNotAllowed
from aiida.common.links import LinkType

from aiida_workgraph.orm.return_links import add_return_links


def returned(node: orm.WorkflowNode) -> dict[str, int]:
    """``{label: pk}`` of the RETURN links of ``node`` in the database."""
    links = node.base.links.get_outgoing(link_type=LinkType.RETURN).all()
    return {link.link_label: link.node.pk for link in links}


def test_links_every_output_not_yet_returned() -> None:
    """A first call links all outputs; a second links only the new one (the others are left as they are)."""
    workflow = orm.WorkflowNode().store()
    first = {f'out_{i}': orm.Int(i).store() for i in range(5)}
    add_return_links(workflow, first)
    assert returned(workflow) == {label: data.pk for label, data in first.items()}

    extra = orm.Str('late').store()
    add_return_links(workflow, {**first, 'late': extra})
    assert returned(workflow) == {**{label: data.pk for label, data in first.items()}, 'late': extra.pk}


def test_an_unstored_output_links_nothing() -> None:
    """A workflow cannot create data: the error names the output, and the stored outputs of the batch are not linked."""
    workflow = orm.WorkflowNode().store()
    outputs = {'stored': orm.Int(1).store(), 'fresh': orm.Int(2)}
    with pytest.raises(ModificationNotAllowed, match=r'output `fresh` \(Int\) is not stored'):
        add_return_links(workflow, outputs)
    assert returned(workflow) == {}
    assert not outputs['fresh'].is_stored


def test_an_invalid_label_links_nothing() -> None:
    """aiida-core's link validation refuses the label; no link of the batch is written."""
    workflow = orm.WorkflowNode().store()
    outputs = {'good': orm.Int(1).store(), 'not valid!': orm.Int(2).store()}
    with pytest.raises(ValueError, match='invalid link label `not valid!`'):
        add_return_links(workflow, outputs)
    assert returned(workflow) == {}
