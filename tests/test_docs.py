"""The README documents every setting and every command it promises."""

from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app
from hub.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [
        f"HUB_{name.upper()}"
        for name in Settings.model_fields
        if f"HUB_{name.upper()}" not in README
    ]
    assert missing == []


def test_quickstart_has_two_commands() -> None:
    quickstart = README.split("## Quickstart", 1)[1]
    blocks = quickstart.split("```")[1::2]
    assert len(blocks) >= 2
    assert "make" in blocks[0]
    assert "make" in blocks[1]


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for args in (
        [],
        ["db"],
        ["db", "upgrade"],
        ["token"],
        ["token", "issue"],
        ["token", "revoke"],
        ["token", "list"],
        ["schema"],
        ["schema", "export"],
        ["serve"],
        ["demo"],
    ):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output
