"""The tokens file: its format, its permissions, and the scopes it grants."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from mcp_server.access import Grant, load_tokens
from planner.errors import IacError

PLANNER = "p" * 20
BOSS = "a" * 24


def _tokens(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "tokens"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_scopes_build_on_each_other(tmp_path: Path) -> None:
    tokens = load_tokens(_tokens(tmp_path, f"# who scopes token\nci read,plan {PLANNER}\nboss apply {BOSS}  # all\n"))
    planner = anyio.run(tokens.verify_token, PLANNER)
    boss = anyio.run(tokens.verify_token, BOSS)
    assert planner is not None and (planner.client_id, sorted(planner.scopes)) == ("ci", ["plan", "read"])
    assert boss is not None and sorted(boss.scopes) == ["apply", "plan", "read"]
    assert anyio.run(tokens.verify_token, "x" * 20) is None


def test_a_plan_grant_cannot_apply() -> None:
    grant = Grant("ci", frozenset({"read", "plan"}))
    grant.require("plan", "plan")
    with pytest.raises(IacError, match="apply: refused, the token of 'ci' has scopes read, plan and apply needs `apply`"):
        grant.require("apply", "apply")


@pytest.mark.parametrize(("text", "mode", "message"), [
    (f"ci read {PLANNER}\n", 0o644, "others can read it (mode 0644); chmod 600"),
    (f"ci write {PLANNER}\n", 0o600, "line 1: scopes: 'write' is not one of read, plan, apply"),
    ("ci read short\n", 0o600, "line 1: token: shorter than 16 characters"),
    (f"ci {PLANNER}\n", 0o600, "line 1: expected `principal scopes token`"),
    (f"a read {PLANNER}\nb apply {PLANNER}\n", 0o600, "line 2: token: the same token is already given to 'a'"),
    ("# nothing\n", 0o600, "holds no tokens"),
])
def test_a_bad_tokens_file_is_one_clear_line(tmp_path: Path, text: str, mode: int, message: str) -> None:
    with pytest.raises(IacError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_tokens(_tokens(tmp_path, text, mode))


def test_http_without_tokens_says_how_to_give_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IAC_MCP_TOKENS", raising=False)
    with pytest.raises(IacError, match="--http needs bearer tokens: pass --tokens FILE or set IAC_MCP_TOKENS"):
        load_tokens()
