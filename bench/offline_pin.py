"""The offline reader's PIN: how long one PBKDF2 derivation takes in the browser.

    python bench/offline_pin.py [--rounds 600000] [--tries 5] [--chromium /usr/bin/chromium]

static/js/offline.js derives the key that wraps the meeting keys from the member's PIN with
PBKDF2-HMAC-SHA-256 (WebCrypto). Each try of a PIN in the page costs one derivation; so does
each guess of an attacker with the store in hand, on their own hardware (docs/offline.md,
threat model). This opens a blank page in Chromium (WebCrypto needs a secure context: a local
address served by this script) and times `--tries` derivations with a random salt each.
Figures go to standard output; docs/PERFORMANCE.md records them.
"""

from __future__ import annotations

import argparse
import http.server
import statistics
import threading

from playwright.sync_api import sync_playwright

DERIVE = """async (rounds) => {
  const material = await crypto.subtle.importKey(
    "raw", new TextEncoder().encode("482916"), "PBKDF2", false, ["deriveKey"]);
  const started = performance.now();
  await crypto.subtle.deriveKey(
    {name: "PBKDF2", hash: "SHA-256", salt: crypto.getRandomValues(new Uint8Array(16)),
     iterations: rounds},
    material, {name: "AES-GCM", length: 256}, false, ["encrypt", "unwrapKey"]);
  return performance.now() - started;
}"""


class Blank(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!doctype html><title>PIN</title>")

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=600_000)
    parser.add_argument("--tries", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    options = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Blank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=options.chromium)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            times = [page.evaluate(DERIVE, options.rounds) for _ in range(options.tries)]
            browser.close()
    finally:
        server.shutdown()
    print(f"PBKDF2-HMAC-SHA-256, {options.rounds} rounds, {options.tries} derivations")
    print("each (ms):", " ".join(f"{t:.0f}" for t in times))
    print(f"median: {statistics.median(times):.0f} ms, min: {min(times):.0f} ms")
    print(f"a million PINs at the median, one core: {statistics.median(times) * 1e6 / 3.6e6:.0f} h")


if __name__ == "__main__":
    main()
