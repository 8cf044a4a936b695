"""One number formatter: the pages get the Python table as JSON, and app.js's fmt() writes
what aftershock.formatting.fmt writes; the CLI and the report use the same labels."""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftershock import formatting
from aftershock.formatting import KINDS, METRICS, fmt, format_rules

APP_JS = Path(formatting.__file__).parent / "web" / "static" / "app.js"

# ties, near-ties, separators, negative zero and infinity
VALUES = [0, 0.5, 1.5, 2.5, -0.4, 12.25, 12.35, 999.5, 1234.5, 4173.4, 1_234_567.891]
VALUES += [0.9234, 0.99949, 0.0005, float("inf")]


def test_the_pages_get_the_python_table(client: TestClient) -> None:
    assert client.get("/api/formats").json() == format_rules()
    page = client.get("/").text
    embedded = page.split('<script id="formats" type="application/json">')[1].split("</script>")[0]
    assert json.loads(html.unescape(embedded)) == format_rules()


def test_every_engine_metric_has_a_label_and_its_unit_as_kind() -> None:
    from aftershock.sim.metrics import METRICS as ENGINE

    assert set(METRICS) == set(ENGINE)
    assert {n: m["kind"] for n, m in METRICS.items()} == {n: unit for n, (unit, _) in ENGINE.items()}
    assert all(m["kind"] in KINDS for m in METRICS.values())


def test_rules_per_kind() -> None:
    assert fmt("lost_sales_units", 4173.4) == "4,173"
    assert fmt("fill_rate", 0.92) == "92.0%" and fmt("fill_rate", 0.99949) == "99.9%"
    assert fmt("lost_sales_revenue", 1_234_567.891) == "1,234,568"
    assert fmt("backlog_clear_day", 12.25) == "12.3" and fmt("days", 3) == "3.0"
    assert fmt("surge_cost", -0.4) == "0" and fmt("fill_rate", None) == "—"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run app.js")
def test_javascript_fmt_writes_what_python_writes() -> None:
    names = [*METRICS, *KINDS]
    script = f"""
const vm = require("vm");
const rules = {json.dumps(json.dumps(format_rules()))};
const sandbox = {{
  document: {{ getElementById: (id) => (id === "formats" ? {{ textContent: rules }} : null),
               addEventListener: () => {{}} }},
  Intl, Number, JSON, String, console,
}};
vm.createContext(sandbox);
vm.runInContext(require("fs").readFileSync({json.dumps(str(APP_JS))}, "utf8"), sandbox);
const out = {{}};
for (const n of {json.dumps(names)}) out[n] = {json.dumps(VALUES)}.map((v) => sandbox.fmt(n, v));
out.labels = Object.fromEntries({json.dumps(list(METRICS))}.map((n) => [n, sandbox.metricLabel(n)]));
out.missing = sandbox.fmt("fill_rate", null);
console.log(JSON.stringify(out));
"""
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    for name in names:
        assert got[name] == [fmt(name, v) for v in VALUES], name
    assert got["labels"] == {n: m["label"] for n, m in METRICS.items()}
    assert got["missing"] == "—"


def test_cli_and_report_use_the_shared_labels() -> None:
    from aftershock.cli import simulate_view
    from aftershock.report import html as report

    for name, label in simulate_view._LABELS.items():
        if not name.endswith("_day"):  # a day's cell says "day N" itself
            assert label == METRICS[name]["label"]
    assert report._metric_value({"unit": "share", "mean": 0.9234}, "mean") == "92.3%"
    assert simulate_view._num(1234.6, "units") == "1,235"
