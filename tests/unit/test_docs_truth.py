"""The documentation names every setting the code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_is_documented() -> None:
    code = (ROOT / "prefect_core" / "settings.py").read_text()
    documented = (ROOT / "docs" / "configuration.md").read_text()
    variables = set(re.findall(r'"(PREFECT_[A-Z0-9_]+)"', code))
    assert variables, "settings.py reads no variables?"
    missing = sorted(v for v in variables if v not in documented)
    assert not missing, f"undocumented settings: {missing}"


def test_readme_opens_with_the_two_commands() -> None:
    lines = [ln for ln in (ROOT / "README.md").read_text().splitlines() if ln.strip()]
    block = lines[1:5]
    assert block[0].startswith("```")
    assert block[1].startswith("python3 scripts/serve") and block[2].startswith("python3 scripts/test")
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()
