"""Screenshots of Inspect's log viewer over a folder of procskill logs (the demo's), in headless Chromium.

    python scripts/viewer_screenshots.py [--log-dir procskill-out/demo/logs] \
        [--out procskill-out/demo/screenshots]

Starts ``inspect view`` on 127.0.0.1 (a free port), waits until it answers, and has headless Chromium render
the log list (``log-list.png``, plus ``log-list.txt``: the rendered page's visible text, to check what the
list shows without looking). Used to re-check by eye that the list shows Δ as each log's score and tells the
configurations (base model, SFT checkpoint) apart. Not shipped in the package: a maintenance script.

Needs ``chromium`` (Debian: ``apt-get install chromium``) or ``CHROMIUM=/path/to/chrome``. Chromium runs with
no network beyond the local viewer, no GPU, a throwaway profile.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def find_chromium() -> str:
    """The Chromium binary: ``$CHROMIUM``, else the first of chromium / chromium-browser / google-chrome."""
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)  # type: ignore[return-value]
    raise SystemExit(
        "error: no Chromium found; install it (Debian: apt-get install chromium) or set CHROMIUM="
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"error: inspect view exited with code {server.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit(f"error: inspect view did not answer at {url} within {timeout:.0f} s")
        time.sleep(1)


def chromium(binary: str, profile: Path, *args: str, budget_ms: int) -> subprocess.CompletedProcess:
    # The viewer fills its list through several fetches after the page loads; Chromium's virtual time
    # (--virtual-time-budget) waits for them where a plain screenshot shows "Loading…"
    # (a 20 s budget was too short here).
    argv = [
        binary,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--virtual-time-budget={budget_ms}",
        *args,
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)


def visible_text(dom: str) -> str:
    """The page's text, one line per block (scripts and styles dropped)."""
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.DOTALL | re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "\n", dom)
    lines = [" ".join(html.unescape(line).split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def screenshot_log_list(
    log_dir: Path, out: Path, width: int = 1400, height: int = 900, budget_ms: int = 60000
) -> dict[str, Path]:
    """Serve ``log_dir`` with ``inspect view``; write ``log-list.png`` and ``log-list.txt`` into ``out``."""
    if not log_dir.is_dir():
        raise SystemExit(f"error: {log_dir}: no such folder (run `procskill demo` first, or pass --log-dir)")
    binary = find_chromium()
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    inspect = Path(sys.executable).parent / "inspect"
    server = subprocess.Popen(
        [str(inspect), "view", "--log-dir", str(log_dir), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url, server)
        with tempfile.TemporaryDirectory(prefix="procskill-chromium-") as profile:
            png = out / "log-list.png"
            shot = chromium(
                binary,
                Path(profile),
                f"--window-size={width},{height}",
                f"--screenshot={png}",
                url,
                budget_ms=budget_ms,
            )
            if not png.is_file():
                raise SystemExit(f"error: Chromium wrote no screenshot:\n{shot.stderr[-2000:]}")
            dom = chromium(binary, Path(profile), "--dump-dom", url, budget_ms=budget_ms).stdout
        text = out / "log-list.txt"
        text.write_text(visible_text(dom) + "\n", encoding="utf-8")
        return {"png": png, "text": text}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log-dir", type=Path, default=Path("procskill-out/demo/logs"))
    parser.add_argument("--out", type=Path, default=Path("procskill-out/demo/screenshots"))
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()
    for path in screenshot_log_list(args.log_dir, args.out, args.width, args.height).values():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
