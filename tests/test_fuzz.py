"""Fuzz every operation of the OpenAPI document (issue #6): zero 5xx, zero stack traces, every
answer as documented, and at least ESAPR_FUZZ_EXAMPLES generated requests per operation.

    ESAPR_FUZZ_EXAMPLES=200 .venv/bin/python -m pytest -q tests/test_fuzz.py -s   # a quicker look

CI runs the default, 2000 per operation. The work is ``benchmarks/fuzz.py``'s ``fuzz_app``
(the same run as ``.venv/bin/python benchmarks/fuzz.py``); this test prints its table and
fails on any finding. The operations come from the document at run time, so an endpoint
added to web/openapi.py is fuzzed without touching this file.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.fuzz import HTTP_METHODS, fuzz_app, format_table

pytestmark = [pytest.mark.fuzz, pytest.mark.real_models]  # every route, with what it reads

EXAMPLES = int(os.environ.get("ESAPR_FUZZ_EXAMPLES", "2000"))


@pytest.fixture
def documented_operations(client) -> set[str]:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    return {f"{method.upper()} {path}" for path, item in paths.items() for method in item if method in HTTP_METHODS}


def test_fuzz_every_documented_operation(app, documented_operations, capsys):
    reports = fuzz_app(app, EXAMPLES)
    with capsys.disabled():  # the figures the issue asks for, shown even without -s
        print(f"\n\nFuzzing, {EXAMPLES} examples per operation:\n{format_table(reports)}\n")

    assert {r.label for r in reports} == documented_operations
    short = {r.label: r.requests for r in reports if r.requests < EXAMPLES}
    assert not short, f"operations that got fewer than {EXAMPLES} requests: {short}"
    server_errors = {r.label: r.server_errors for r in reports if r.server_errors}
    assert not server_errors, f"5xx answers: {server_errors}"
    findings = [f"--- {r.label} ({r.failed_requests} failed requests)\n{failure}"
                for r in reports if r.failures for failure in r.failures]
    assert not findings, "\n\n".join(findings)
