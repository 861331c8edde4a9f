"""The documentation names every setting the code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_is_documented() -> None:
    """Every variable a settings module (the core's or a plugin's) reads is in
    docs/configuration.md, in the section of the component that owns it."""
    documented = (ROOT / "docs" / "configuration.md").read_text()
    modules = sorted(ROOT.glob("prefect_*/settings.py"))
    assert {m.parent.name for m in modules} >= {"prefect_core", "prefect_storage_sqlite", "prefect_storage_postgres"}
    for module in modules:
        variables = set(re.findall(r'"(PREFECT_[A-Z0-9_]+)"', module.read_text()))
        assert variables, f"{module} reads no variables?"
        section = documented.split(f"`{module.parent.name}`", 1)
        assert len(section) == 2, f"docs/configuration.md has no section for `{module.parent.name}`"
        own = section[1].split("\n## ", 1)[0]
        missing = sorted(v for v in variables if v not in own)
        assert not missing, f"undocumented settings of {module.parent.name}: {missing}"


def test_readme_opens_with_the_two_commands() -> None:
    lines = [ln for ln in (ROOT / "README.md").read_text().splitlines() if ln.strip()]
    block = lines[1:5]
    assert block[0].startswith("```")
    assert block[1].startswith("python3 scripts/serve") and block[2].startswith("python3 scripts/test")
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()
