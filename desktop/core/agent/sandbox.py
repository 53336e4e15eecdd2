"""The `sandbox` executor: run_command jailed with bubblewrap (`bwrap`) on Linux.

Inside the jail the workspace is writable, /tmp is private and empty, the rest of the file
system is read-only, and the user's keys and the app's data (~/.ssh, ~/.aws, ~/.gnupg,
~/.config, the data folder) are hidden behind empty folders. The command gets its own PID
namespace and dies with the app. The network is off unless the run allows it: fully, or only
to listed domains through a loopback proxy (core/agent/net_proxy.py).

Whether bwrap works here is probed once (a nested container may refuse a namespace or a fresh
/proc); where it cannot work, `unavailable()` says why and `executor_for` falls back to
`local`, with a notice the app shows once. macOS would use `sandbox-exec` with an equivalent
profile; it is not built yet, so there commands run locally after the same notice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from desktop.core import paths
from desktop.core.agent.executor import PIPES, Executor, LocalExecutor, Network, command_env
from desktop.core.agent.permissions import Policy
from desktop.core.settings import Settings

log = logging.getLogger(__name__)

HIDDEN_IN_HOME = (".ssh", ".aws", ".gnupg", ".config")
PROC_MOUNTS = (("--proc", "/proc"), ("--ro-bind", "/proc", "/proc"))
"""A fresh /proc for the new PID namespace, else (nested containers) the outer one, read-only."""
PROBE_TIMEOUT_S = 10.0
PRIVATE_TMP = "/tmp"


@dataclass(frozen=True)
class Probe:
    """What the probe found: the /proc mount that works, or why bubblewrap cannot run."""

    bwrap: str = ""
    proc_mount: tuple[str, ...] = ()
    problem: str = ""


@functools.cache
def probe() -> Probe:
    """Try bubblewrap once per process with the namespaces a command needs."""
    if not sys.platform.startswith("linux"):
        return Probe(problem=f"no command sandbox on {sys.platform} yet")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Probe(problem="bubblewrap (bwrap) is not installed")
    error = ""
    for proc_mount in PROC_MOUNTS:
        argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", *proc_mount,
                "--unshare-pid", "--unshare-net", "--die-with-parent", "true"]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Probe(problem=f"bubblewrap does not start: {exc}")
        if done.returncode == 0:
            return Probe(bwrap, proc_mount)
        error = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no reason"
    return Probe(problem=f"bubblewrap cannot make a sandbox here: {error}")


def unavailable() -> str:
    """Why commands cannot run sandboxed on this machine, or '' when they can."""
    return probe().problem


def hidden_paths() -> list[Path]:
    """Folders a command must not read: the user's keys and settings, and the app's data."""
    home = Path.home()
    return [home / name for name in HIDDEN_IN_HOME] + [paths.data_dir()]


def python_roots() -> list[Path]:
    """The Python install (and virtualenv) commands need, wherever it lives (even in /tmp)."""
    return sorted({Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def bwrap_argv(
    workspace: Path,
    network: Network,
    *,
    hidden: Iterable[Path] = (),
    visible: Iterable[Path] = (),
    binds: Iterable[tuple[Path, str]] = (),
) -> list[str]:
    """bwrap's arguments, in mount order: the read-only world, then what is hidden, then what
    stays visible (`visible`, read-only) or writable (`binds`, then the workspace)."""
    found = probe()
    argv = [found.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", *found.proc_mount,
            "--tmpfs", PRIVATE_TMP]
    for path in hidden:
        if path.is_dir() and not path.is_symlink():
            argv += ["--tmpfs", str(path)]
    for path in visible:
        argv += ["--ro-bind-try", str(path), str(path)]
    for source, target in binds:
        argv += ["--bind", str(source), target]
    argv += ["--bind", str(workspace), str(workspace), "--chdir", str(workspace),
             "--unshare-pid", "--unshare-ipc", "--die-with-parent"]
    if network != "on":
        argv.append("--unshare-net")
    return argv


@dataclass(frozen=True)
class SandboxExecutor:
    """Commands jailed by bubblewrap; `network` is off, allow (listed domains only) or on."""

    network: Network = "off"
    allowed_domains: tuple[str, ...] = ()
    env_names: tuple[str, ...] = ()

    kind = "sandbox"

    @property
    def contained(self) -> bool:
        return self.network != "on"

    def describe(self) -> str:
        reach = {
            "off": "no network",
            "allow": f"network only to {', '.join(self.allowed_domains) or 'no domain'}",
            "on": "full network",
        }[self.network]
        return f"sandboxed: writes only in the workspace, {reach}"

    async def start(self, command: str, cwd: Path) -> asyncio.subprocess.Process:
        env = command_env(self.env_names)
        env["TMPDIR"] = PRIVATE_TMP
        if self.network == "allow":
            from desktop.core.agent.net_proxy import start_proxied

            return await start_proxied(self, command, cwd, env)
        argv = bwrap_argv(cwd, self.network, hidden=hidden_paths(), visible=python_roots())
        return await asyncio.create_subprocess_exec(
            *argv, "/bin/sh", "-c", command, cwd=cwd, env=env, start_new_session=True, **PIPES
        )


_noticed: list[str] = []  # the fallback notice, once it has been given


def executor_for(
    config: Settings, *, sandboxed: bool | None = None, network: Network | None = None
) -> Executor:
    """The executor a new run's commands use: the settings, or this run's own choice."""
    env = config.command_env
    if not (config.sandbox if sandboxed is None else sandboxed):
        return LocalExecutor(env)
    if problem := unavailable():
        log.warning("commands run without a sandbox: %s", problem)
        return LocalExecutor(env)
    mode = cast(Network, network or config.network)
    return SandboxExecutor(mode, config.allowed_domains, env)


def fallback_notice(config: Settings) -> str:
    """What to tell the user, the first time only, when commands cannot be sandboxed."""
    problem = unavailable()
    if not config.sandbox or not problem or _noticed:
        return ""
    _noticed.append(problem)
    return f"Commands run without a sandbox here ({problem}): they can do anything you can."


def run_policy(policy: Policy, executor: Executor, config: Settings) -> Policy:
    """`policy`, letting contained commands run without asking if the user chose so."""
    if config.sandbox_auto_approve and executor.contained:
        return policy.with_commands_allowed()
    return policy
