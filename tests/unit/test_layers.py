"""The import-linter contracts of pyproject.toml (the layers of docs/ARCHITECTURE.md) hold.

This runs in the ordinary test command, so CI fails when an import runs up the layers,
a cycle appears inside services, or product code imports the dev tools.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from importlinter import configuration
from importlinter.application import use_cases
from importlinter.application.rendering import render_report

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


@pytest.fixture(scope="module")
def report():
    configuration.configure()
    use_cases._register_built_in_contract_types()
    return use_cases.create_report(use_cases.read_user_options(str(PYPROJECT)), cache_dir=None)


#: contract id in pyproject.toml → the start of its name
NAMES = {"layers": "Each package imports only from", "services-areas": "Inside services",
         "services-acyclic": "No import cycles", "devtools": "Dev tools"}


def _contract(report, contract_id: str):
    [contract] = [c for c in report.contracts if c.name.startswith(NAMES[contract_id])]
    return contract


def test_every_import_linter_contract_is_kept(report, capsys):
    assert sorted(_contract(report, i).name for i in NAMES) == sorted(c.name for c in report.contracts)
    if report.contains_failures:
        render_report(report)
        pytest.fail("import-linter contracts broken:\n" + capsys.readouterr().out)
    assert report.kept_count == len(report.contracts) == 4


@pytest.mark.parametrize("importer, imported, contract_id", [
    ("billbook.db.uow", "billbook.services.base", "layers"),
    ("billbook.documents.invoice_a4", "billbook.db.models", "layers"),
    ("billbook.domain.money", "billbook.documents.model", "layers"),
    ("billbook.gui.app", "billbook.cli.app", "layers"),
    ("billbook.services.ledgers.stock", "billbook.services.selling.checkout", "services-areas"),
    ("billbook.services.people.customers", "billbook.services.selling.dues", "services-areas"),
    ("billbook.services.selling.checkout", "billbook.services.selling.returns", "services-acyclic"),
    ("billbook.gui.app", "billbook.devtools.demo", "devtools"),
])
def test_an_import_against_the_layers_breaks_a_contract(report, importer, imported, contract_id):
    contract = _contract(report, contract_id)
    graph = copy.deepcopy(report.graph)   # a check may change the graph it is given
    assert graph.find_shortest_chain(importer=importer, imported=imported) is None
    assert contract.check(copy.deepcopy(graph), verbose=False).kept
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    assert not contract.check(graph, verbose=False).kept
