"""The live page driven in headless Chromium, as the tests and bench/live.py drive it.

Playwright (the dev extra) runs Debian's Chromium (`apt-get install chromium`; Playwright downloads no
browser); a fake camera plays a .y4m file (y4m.py). Chromium's own background traffic is switched off, so
every request seen is the page's.
"""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from fingerspell.live.serve import make_server
from fingerspell.live.assets import web_dir

QUIET_CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class LivePage:
    """`fingerspell serve` on a free port and headless Chromium on its page, whose camera plays `y4m`
    (none: no camera); `grant_camera=False` refuses the camera until `grant()`."""

    def __init__(self, model=None, y4m: str | Path | None = None, grant_camera: bool = True, query: str = "",
                 root: Path | None = None):
        from playwright.sync_api import sync_playwright
        self.server = make_server(model, web_dir(root), port=0)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.requests, self.responses = [], []
        args = list(QUIET_CHROMIUM)
        if y4m:
            args += ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={y4m}"]
        if grant_camera:
            args.append("--use-fake-ui-for-media-stream")
        self.playwright = sync_playwright().start()
        try:
            self.browser = self.playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=args)
            self.context = self.browser.new_context()
            self.page = self.context.new_page()
            self.page.on("request", lambda request: self.requests.append(request.url))
            self.page.on("response", lambda response: self.responses.append(response))
            self.opened = time.time()
            self.page.goto(self.url + query)
        except Exception:
            self.close()
            raise

    def state(self, expression: str):
        """`expression` evaluated in the page, with `s` the page's state (window.fingerspell)."""
        return self.page.evaluate(f"() => {{ const s = window.fingerspell; return {expression}; }}")

    def wait(self, expression: str, timeout_s: float = 120.0) -> float:
        """Seconds until `expression` holds in the page; AssertionError with the page's message after timeout."""
        started = time.time()
        while time.time() - started < timeout_s:
            if self.state(expression):
                return time.time() - started
            time.sleep(0.1)
        raise AssertionError(f"page never reached {expression!r} in {timeout_s} s: message "
                             f"{self.page.text_content('#message')!r}")

    def grant(self):
        self.context.grant_permissions(["camera"], origin=self.url.rstrip("/"))

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.url) and not u.startswith(("data:", "blob:"))]

    def close(self):
        for step in (lambda: self.browser.close(), self.playwright.stop, self.server.shutdown,
                     self.server.server_close):
            try:
                step()
            except Exception:  # closing what never opened
                pass
