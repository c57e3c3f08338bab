"""Compare two gallery runs of ``scripts/run_upstream_gallery.sh`` (their JSON files) and print the differences.

    python scripts/compare_gallery.py REFERENCE.json OTHER.json [--quiet] [--volatile SCRIPT:OUTPUT...]

REFERENCE is usually upstream 0.9.0's run, OTHER this package's. Per script it prints ``same`` or ``differs`` with one
line per difference: the script's exit status (and error line), then the WorkGraph processes, matched by process
label and order (the n-th ``WorkGraph<x>`` of one run with the n-th of the other): process state, exit status, each
task's state, each graph output (type and value). Exit messages that differ are shown as notes, not differences.
--quiet prints only the scripts that differ. --volatile SCRIPT:OUTPUT (SCRIPT a part of the script's path, OUTPUT a
graph output's name) compares only the type of an output whose value changes from run to run (a date, a random
number). Exit status: 0 when every script is the same, 1 otherwise.
Uses the standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def keyed_workgraphs(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return a script's WorkGraph records by ``label#n`` (n counts the records of that label, in pk order)."""
    seen: Counter[str] = Counter()
    keyed = {}
    for record in entry.get('workgraphs', []):
        label = record.get('label') or '?'
        seen[label] += 1
        keyed[f'{label}#{seen[label]}'] = record
    return keyed


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + '...'


def compare_records(
    key: str, reference: dict[str, Any], other: dict[str, Any], volatile: frozenset[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """Return the differences and the notes between two records of one WorkGraph process.

    :param volatile: names of outputs whose values are not compared (only their types).
    """
    differences, notes = [], []
    for field in ('process_state', 'exit_status'):
        if reference.get(field) != other.get(field):
            differences.append(f'{key}: {field} {reference.get(field)!r} != {other.get(field)!r}')
    if reference.get('exit_message') != other.get('exit_message'):
        notes.append(f'{key}: exit_message {reference.get("exit_message")!r} != {other.get("exit_message")!r}')
    for group in ('tasks', 'outputs'):
        ours, theirs = reference.get(group, {}), other.get(group, {})
        for name in sorted(set(ours) | set(theirs)):
            if name not in theirs:
                differences.append(f'{key}: {group[:-1]} {name}: only in the reference ({_short(ours[name])})')
            elif name not in ours:
                differences.append(f'{key}: {group[:-1]} {name}: only in the other run ({_short(theirs[name])})')
            elif group == 'outputs' and name in volatile and ours[name]['type'] == theirs[name]['type']:
                notes.append(f'{key}: output {name}: volatile, values not compared')
            elif ours[name] != theirs[name]:
                differences.append(f'{key}: {group[:-1]} {name}: {_short(ours[name])} != {_short(theirs[name])}')
    return differences, notes


def compare_script(
    reference: dict[str, Any] | None, other: dict[str, Any] | None, volatile: frozenset[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """Return the differences and notes between two entries of one script (``None``: the run lacks the script)."""
    if reference is None or other is None:
        return [f'not run in the {"reference" if reference is None else "other run"}'], []
    differences, notes = [], []
    if reference['exit_status'] != other['exit_status']:
        differences.append(
            f'script exit status {reference["exit_status"]} != {other["exit_status"]}'
            f' (reference: {reference.get("error")}; other: {other.get("error")})'
        )
    elif reference['exit_status'] and reference.get('error') != other.get('error'):
        notes.append(f'both failed: reference {reference.get("error")!r}; other {other.get("error")!r}')
    ours, theirs = keyed_workgraphs(reference), keyed_workgraphs(other)
    for key in list(ours) + [key for key in theirs if key not in ours]:
        if key not in theirs:
            differences.append(f'{key}: only in the reference ({ours[key]["process_state"]})')
        elif key not in ours:
            differences.append(f'{key}: only in the other run ({theirs[key]["process_state"]})')
        else:
            found, remarks = compare_records(key, ours[key], theirs[key], volatile)
            differences += found
            notes += remarks
    return differences, notes


def main(argv: list[str]) -> int:
    """Compare two result files and print a report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('reference', type=Path)
    parser.add_argument('other', type=Path)
    parser.add_argument('--quiet', action='store_true', help='print only the scripts that differ')
    parser.add_argument(
        '--volatile',
        action='append',
        default=[],
        metavar='SCRIPT:OUTPUT',
        help='compare only the type of this output of the scripts whose path contains SCRIPT',
    )
    arguments = parser.parse_args(argv)
    reference = json.loads(arguments.reference.read_text())
    other = json.loads(arguments.other.read_text())
    same = 0
    scripts = sorted(set(reference) | set(other))
    for script in scripts:
        volatile = frozenset(
            output for pattern, _, output in (item.partition(':') for item in arguments.volatile) if pattern in script
        )
        differences, notes = compare_script(reference.get(script), other.get(script), volatile)
        if not differences:
            same += 1
            if arguments.quiet:
                continue
        entry = reference.get(script) or other.get(script)
        failed = ' (both fail)' if not differences and entry['exit_status'] else ''
        print(f'{script}: {"differs" if differences else "same"}{failed}')
        for line in differences:
            print(f'    - {line}')
        for line in notes:
            print(f'    . {line}')
    print(f'{same} of {len(scripts)} scripts the same')
    return 0 if same == len(scripts) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
