"""Take docs/screenshot.png: the signed-in dashboard of the demo, in Japanese.

make services && source .local/env
.venv/bin/python manage.py seed_demo
.venv/bin/python manage.py runserver 127.0.0.1:8765 &
.venv/bin/python docs/screenshot.py http://127.0.0.1:8765
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "screenshot.png"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def main(base_url: str, email: str = "manager@junkan.test") -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(
            locale="ja-JP", viewport={"width": 1200, "height": 760}, base_url=base_url
        )
        page.goto("/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", "junkan-demo")
        page.locator("form button[type=submit].primary").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT))
        browser.close()
    sys.stdout.write(f"{OUT} ({OUT.stat().st_size // 1024} KB)\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
