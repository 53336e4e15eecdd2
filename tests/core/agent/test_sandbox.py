"""run_command jailed by bubblewrap: real commands, real namespaces, a real loopback server."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from desktop.core import tools
from desktop.core.agent import sandbox
from desktop.core.agent.executor import Executor, LocalExecutor, command_env
from desktop.core.agent.net_proxy import allowed
from desktop.core.agent.permissions import Policy
from desktop.core.agent.sandbox import SandboxExecutor, executor_for, fallback_notice, run_policy
from desktop.core.agent.workspace import Workspace
from desktop.core.settings import Settings
from desktop.core.tools import ToolContext, ToolResult

needs_bwrap = pytest.mark.skipif(
    bool(sandbox.unavailable()), reason=f"no working bubblewrap: {sandbox.unavailable()}"
)


def command(text: str, root: Path, executor: Executor) -> ToolResult:
    """run_command through the registry, as the loop calls it."""

    async def collect() -> ToolResult:
        results = [
            item async for item in tools.execute("run_command", {"command": text},
                                                 ToolContext(Workspace(root), executor=executor))
            if isinstance(item, ToolResult)
        ]
        return results[-1]

    return asyncio.run(collect())


@pytest.fixture
def root(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    return workspace


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder the user may write to that is not under /tmp (which the jail makes private)."""
    folder = Path(tempfile.mkdtemp(prefix="agentdesk-outside-", dir="/var/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello from the host"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[int]:
    """An HTTP server on the host's loopback; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def fetch(url: str) -> str:
    """A command that prints what `url` answers (through HTTP_PROXY when it is set)."""
    code = (
        "import urllib.request, urllib.error\n"
        "try:\n"
        f"    print(urllib.request.urlopen({url!r}, timeout=5).read().decode())\n"
        "except urllib.error.HTTPError as e:\n"
        "    print('refused', e.code, e.read().decode())\n"
        "except OSError as e:\n"
        "    print('unreachable', e)\n"
    )
    return f"{sys.executable} -c {_quote(code)}"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


# --- the environment ------------------------------------------------------------------------


def test_the_command_environment_is_built_without_secrets() -> None:
    source = {
        "PATH": "/bin", "HOME": "/home/me", "LANG": "C.UTF-8", "LC_TIME": "en_GB.UTF-8",
        "ANTHROPIC_API_KEY": "sk-1", "GITHUB_TOKEN": "t", "AWS_SECRET": "s", "EDITOR": "vi",
        "MY_SETTING": "1", "DEPLOY_TOKEN": "d",
    }
    env = command_env(("MY_SETTING", "DEPLOY_TOKEN"), source)
    assert env == {
        "PATH": "/bin", "HOME": "/home/me", "LANG": "C.UTF-8", "LC_TIME": "en_GB.UTF-8",
        "MY_SETTING": "1", "DEPLOY_TOKEN": "d",
    }


@pytest.mark.parametrize("executor", [
    LocalExecutor(), pytest.param(SandboxExecutor(), marks=needs_bwrap),
], ids=["local", "sandbox"])
def test_a_command_does_not_see_the_api_key(
    executor: Executor, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-visible")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    result = command('echo "key=[$ANTHROPIC_API_KEY] lc=[$LC_ALL]"', root, executor)
    assert "key=[] lc=[C.UTF-8]" in result.text


# --- the jail -------------------------------------------------------------------------------


@needs_bwrap
def test_a_sandboxed_command_writes_only_in_the_workspace(root: Path, outside: Path) -> None:
    script = f"echo in > made.txt; echo out > {outside}/escaped.txt; echo up > ../up.txt"
    result = command(script, root, SandboxExecutor())
    assert (root / "made.txt").read_text() == "in\n"
    assert not (outside / "escaped.txt").exists()
    assert "Read-only file system" in result.text
    assert not (root.parent / "up.txt").exists()  # /tmp is the jail's own, empty


@needs_bwrap
def test_the_users_keys_are_hidden(
    root: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (outside / ".ssh").mkdir()
    (outside / ".ssh" / "id_ed25519").write_text("PRIVATE KEY\n")
    (outside / "notes.txt").write_text("readable\n")
    monkeypatch.setenv("HOME", str(outside))
    result = command("cat ~/notes.txt; ls -A ~/.ssh; cat ~/.ssh/id_ed25519", root,
                     SandboxExecutor())
    assert "readable" in result.text
    assert "PRIVATE KEY" not in result.text
    assert result.is_error


@needs_bwrap
def test_without_network_the_loopback_port_does_not_answer(root: Path, web: int) -> None:
    result = command(fetch(f"http://127.0.0.1:{web}/"), root, SandboxExecutor(network="off"))
    assert "unreachable" in result.text and "hello" not in result.text


@needs_bwrap
def test_with_network_on_the_loopback_port_answers(root: Path, web: int) -> None:
    result = command(fetch(f"http://127.0.0.1:{web}/"), root, SandboxExecutor(network="on"))
    assert "hello from the host" in result.text


@needs_bwrap
def test_the_allow_list_admits_listed_domains_only(root: Path, web: int) -> None:
    executor = SandboxExecutor(network="allow", allowed_domains=("localhost",))
    admitted = command(fetch(f"http://localhost:{web}/"), root, executor)
    refused = command(fetch(f"http://127.0.0.1:{web}/"), root, executor)
    assert "hello from the host" in admitted.text
    assert "refused 403" in refused.text
    assert "127.0.0.1 is not on the sandbox's list" in refused.text


def test_a_domain_admits_its_subdomains_only() -> None:
    assert allowed("pypi.org", ["pypi.org"])
    assert allowed("Files.PyPI.org.", ["*.pypi.org"])
    assert not allowed("evilpypi.org", ["pypi.org"])
    assert not allowed("pypi.org.evil.com", ["pypi.org"])


@needs_bwrap
def test_the_preview_says_whether_the_command_is_sandboxed(root: Path) -> None:
    args = {"command": "make test"}
    jailed = tools.preview("run_command", args, ToolContext(Workspace(root),
                                                            executor=SandboxExecutor()))
    local = tools.preview("run_command", args, ToolContext(Workspace(root)))
    assert jailed.text == "$ make test\n# sandboxed: writes only in the workspace, no network"
    assert local.text.endswith("# not sandboxed: the command can do anything you can")


@pytest.fixture
def no_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine without bubblewrap on PATH, probed afresh (and probed again afterwards)."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(sandbox, "_noticed", [])
    sandbox.probe.cache_clear()
    yield
    sandbox.probe.cache_clear()


def test_without_a_sandbox_commands_run_locally_after_one_notice(no_bwrap: None) -> None:
    config = Settings()
    assert sandbox.unavailable() == "bubblewrap (bwrap) is not installed"
    assert isinstance(executor_for(config), LocalExecutor)
    assert "Commands run without a sandbox here" in fallback_notice(config)
    assert fallback_notice(config) == ""


@needs_bwrap
def test_contained_commands_skip_approval_only_when_chosen() -> None:
    asking = Policy()
    chosen = Settings(sandbox_auto_approve=True)
    assert run_policy(asking, SandboxExecutor(), chosen).rule("run_command") == "allow"
    assert run_policy(asking, SandboxExecutor(network="on"), chosen).rule("run_command") == "ask"
    assert run_policy(asking, LocalExecutor(), chosen).rule("run_command") == "ask"
    assert run_policy(asking, SandboxExecutor(), Settings()).rule("run_command") == "ask"
    refusing = Policy.from_approve("none")
    assert run_policy(refusing, SandboxExecutor(), chosen).rule("run_command") == "deny"
