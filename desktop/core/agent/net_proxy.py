"""Network for a sandboxed command limited to listed domains.

The jail has no network of its own (its namespace has only a loopback). Outside it, the app
serves an HTTP proxy on a unix socket that admits only the allowed domains (CONNECT for HTTPS,
absolute-form requests for plain HTTP). The socket's folder is bound into the jail, and inside
it a small bridge (`BRIDGE`, run by the app's Python) listens on the jail's loopback, forwards
every connection to the socket, and runs the command with HTTP(S)_PROXY pointing at itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.agent.executor import PIPES
from desktop.core.agent.sandbox import bwrap_argv, hidden_paths, python_roots

if TYPE_CHECKING:
    from desktop.core.agent.sandbox import SandboxExecutor

BRIDGE_PORT = 3128
JAIL_FOLDER = "/tmp/.agentdesk-proxy"
SOCKET_NAME = "proxy.sock"
MAX_HEAD_BYTES = 64 * 1024
READ_BYTES = 65536
_serving: set[asyncio.Task[None]] = set()  # each proxy closes once its command has ended

BRIDGE = """
import socket, subprocess, sys, threading
path, port, command = sys.argv[1], int(sys.argv[2]), sys.argv[3]
listener = socket.create_server(("127.0.0.1", port))

def pipe(source, target):
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    try:
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass

def serve(client):
    upstream = socket.socket(socket.AF_UNIX)
    try:
        upstream.connect(path)
    except OSError:
        client.close()
        return
    there = threading.Thread(target=pipe, args=(client, upstream), daemon=True)
    there.start()
    pipe(upstream, client)
    there.join()
    client.close()
    upstream.close()

def accept():
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()

threading.Thread(target=accept, daemon=True).start()
sys.exit(subprocess.call(["/bin/sh", "-c", command]))
"""
"""The jail's side: relay the loopback port to the proxy's socket, then run the command."""


def allowed(host: str, domains: Iterable[str]) -> bool:
    """Whether `host` is one of `domains` or below one (`example.com` admits `api.example.com`)."""
    host = host.lower().rstrip(".")
    for domain in domains:
        domain = domain.lower().strip().removeprefix("*.").rstrip(".")
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


async def start_proxied(
    executor: SandboxExecutor, command: str, cwd: Path, env: dict[str, str]
) -> asyncio.subprocess.Process:
    """Start `command` jailed, with a proxy for `executor.allowed_domains` while it runs."""
    folder = Path(tempfile.mkdtemp(prefix="agentdesk-proxy-"))
    domains = executor.allowed_domains
    server = await asyncio.start_unix_server(
        lambda reader, writer: _serve(reader, writer, domains), path=str(folder / SOCKET_NAME)
    )
    proxy = f"http://127.0.0.1:{BRIDGE_PORT}"
    env.update(HTTP_PROXY=proxy, HTTPS_PROXY=proxy, http_proxy=proxy, https_proxy=proxy)
    argv = bwrap_argv(cwd, "allow", hidden=hidden_paths(), visible=python_roots(),
                      binds=[(folder, JAIL_FOLDER)])
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, sys.executable, "-I", "-c", BRIDGE, f"{JAIL_FOLDER}/{SOCKET_NAME}",
            str(BRIDGE_PORT), command, cwd=cwd, env=env, start_new_session=True, **PIPES,
        )
    except BaseException:
        await _close(server, folder)
        raise
    task = asyncio.ensure_future(_close_after(proc, server, folder))
    _serving.add(task)
    task.add_done_callback(_serving.discard)
    return proc


async def _close_after(
    proc: asyncio.subprocess.Process, server: asyncio.Server, folder: Path
) -> None:
    try:
        await proc.wait()
    finally:
        await _close(server, folder)


async def _close(server: asyncio.Server, folder: Path) -> None:
    server.close()
    with contextlib.suppress(Exception):
        await server.wait_closed()
    shutil.rmtree(folder, ignore_errors=True)


async def _serve(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, domains: tuple[str, ...]
) -> None:
    """One proxied connection: check the request's host, then relay bytes both ways."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        method, target, rest = _parse(head)
        host, port, forward = _destination(method, target, rest)
        if not allowed(host, domains):
            await _refuse(writer, 403, f"{host} is not on the sandbox's list of allowed domains")
            return
        up_reader, up_writer = await asyncio.open_connection(host, port)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, OSError) as exc:
        await _refuse(writer, 502, f"the proxy cannot serve this request: {exc}")
        return
    if forward is None:
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    else:
        up_writer.write(forward)
    try:
        await asyncio.gather(_relay(reader, up_writer), _relay(up_reader, writer))
    finally:
        up_writer.close()
        writer.close()


async def _refuse(writer: asyncio.StreamWriter, status: int, why: str) -> None:
    body = f"{why}\n".encode()
    reason = {403: "Forbidden", 502: "Bad Gateway"}[status]
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
    writer.write(f"{head}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
    writer.write(body)
    with contextlib.suppress(OSError):
        await writer.drain()
    writer.close()


def _parse(head: bytes) -> tuple[str, str, bytes]:
    """(method, target, the rest of the head) of a request head; ValueError if malformed."""
    line, _, rest = head.partition(b"\r\n")
    method, target, _version = line.decode("latin-1").split(" ")
    return method.upper(), target, rest


def _destination(method: str, target: str, rest: bytes) -> tuple[str, int, bytes | None]:
    """Where the request goes, and for plain HTTP the request to send there (origin form)."""
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
        return host.strip("[]"), int(port), None
    if not target.startswith("http://"):
        raise ValueError("only CONNECT and absolute http:// requests go through the proxy")
    authority, _, path = target[len("http://"):].partition("/")
    host, _, port = authority.partition(":")
    request = f"{method} /{path} HTTP/1.1\r\n".encode("latin-1") + rest
    return host, int(port or 80), request


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(READ_BYTES):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        writer.close()
