#!/usr/bin/env bash
# Build the one-folder Linux app in dist/agentdesk, stage its desktop integration files, and
# smoke-test the frozen result (a build that starts but cannot find a lazily imported module
# only fails when that code path runs, so the tests run those paths).
#
#     bash packaging/build.sh            # uses python3 from PATH
#     PYTHON=.venv/bin/python bash packaging/build.sh
#     BUILD_DIR=/tmp/b DIST_DIR=/tmp/d bash packaging/build.sh   # keep the checkout clean
#
# The Python used must have AgentDesk's dependencies installed (`pip install -e .`);
# PyInstaller is installed into it if missing. Outputs: build/pyinstaller (work files) and
# dist/agentdesk (the app, plus share/ laid out for distro packaging). Both are git-ignored.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
BUILD_DIR="${BUILD_DIR:-build/pyinstaller}"
DIST_DIR="${DIST_DIR:-dist}"
APP="$DIST_DIR/agentdesk"
EXE="$APP/agentdesk"
ICON_SIZES=(16 32 48 64 128 256 512)

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

step "checking the build environment"
"$PYTHON" -c 'import desktop.cli, PySide6, anthropic, qasync, sqlite_utils' \
    || fail "AgentDesk's dependencies are not importable by $PYTHON (try: pip install -e .)"
if ! "$PYTHON" -m PyInstaller --version >/dev/null 2>&1; then
    step "installing PyInstaller"
    "$PYTHON" -m pip install pyinstaller
fi
echo "PyInstaller $("$PYTHON" -m PyInstaller --version) on $("$PYTHON" --version)"

step "freezing (PyInstaller, one folder)"
started=$SECONDS
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
    --workpath "$BUILD_DIR" --distpath "$DIST_DIR" packaging/agentdesk.spec
build_seconds=$((SECONDS - started))

step "staging desktop integration files in $APP/share"
install -Dm644 resources/agentdesk.desktop "$APP/share/applications/agentdesk.desktop"
install -Dm644 resources/icons/agentdesk.svg "$APP/share/icons/hicolor/scalable/apps/agentdesk.svg"
for size in "${ICON_SIZES[@]}"; do
    install -Dm644 "resources/icons/agentdesk-$size.png" \
        "$APP/share/icons/hicolor/${size}x${size}/apps/agentdesk.png"
done
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$APP/share/applications/agentdesk.desktop"
fi

step "smoke tests"
smoke_home="$(mktemp -d)"
trap 'rm -rf "$smoke_home"' EXIT
export AGENTDESK_HOME="$smoke_home"  # never touch the builder's own conversations
export QT_QPA_PLATFORM=offscreen
unset ANTHROPIC_API_KEY ANTHROPIC_AUTH_TOKEN ANTHROPIC_BASE_URL

# The app looks for resources next to its package: <sys._MEIPASS>/resources (see the spec).
bundled="$APP/_internal/resources"
[[ -f "$bundled/agentdesk.qss" && -f "$bundled/icons/agentdesk-256.png" ]] \
    || fail "resources were not bundled in $bundled"
echo "ok: resources bundled in $bundled"

"$EXE" --help >"$smoke_home/help.txt" || fail "--help exited $?"
grep -q '^usage: agentdesk' "$smoke_home/help.txt" || fail "--help printed no usage"
echo "ok: agentdesk --help"

# The demo chat runs the lazily imported SDK against the in-process demo server.
"$EXE" --demo chat "hello" >"$smoke_home/chat.txt" 2>"$smoke_home/chat.err" \
    || { cat "$smoke_home/chat.err" >&2; fail "--demo chat exited non-zero"; }
grep -q 'Hello from the demo model' "$smoke_home/chat.txt" && grep -q '^> hello' "$smoke_home/chat.txt" \
    || { cat "$smoke_home/chat.txt" "$smoke_home/chat.err" >&2; fail "no demo reply"; }
echo "ok: agentdesk --demo chat hello"
sed 's/^/    | /' "$smoke_home/chat.txt" | head -n 5

# The window: starts offscreen, stays up, and closes cleanly on Ctrl+C (exit 0).
status=0
timeout --preserve-status -s INT -k 10 8 "$EXE" --demo >"$smoke_home/gui.txt" 2>&1 || status=$?
[[ $status -eq 0 ]] || { cat "$smoke_home/gui.txt" >&2; fail "the window exited $status"; }
echo "ok: window started offscreen and closed on Ctrl+C"

step "done"
echo "built in ${build_seconds}s"
echo "bundle: $(du -sh "$APP" | cut -f1)  ($APP)"
