"""Python's memory snapshot (web/python/snapshot-control.js, web/worker.js): a first visit installs our wheel with
micropip and stores a snapshot, a repeat visit starts from it (with the files micropip installed) and computes the same
numbers, and a damaged, unusable or other deploy's snapshot never stops the page from starting the normal way (nor is it
ever restored).

Each test uses its own browser context, so its Cache Storage starts empty."""

import hashlib
import time

CACHE = "microgpt-snapshot"
STEPS = 6

ENTRIES = f"caches.open('{CACHE}').then((cache) => cache.keys()).then((keys) => keys.map((request) => request.url))"
# Store `bytes` (a list of numbers) under `url`, with a checksum header that matches them.
PUT = f"""async ([url, bytes]) => {{
  const body = new Uint8Array(bytes);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  const sha = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  const cache = await caches.open('{CACHE}');
  await cache.put(url, new Response(body, {{ headers: {{ 'x-sha256': sha }} }}));
}}"""
COPY = f"""async ([from, to]) => {{
  const cache = await caches.open('{CACHE}');
  await cache.put(to, await cache.match(from));
  await cache.delete(from);
}}"""


def snapshot_url(builder, driver):
    key = hashlib.sha256((builder.DIST / "manifest.json").read_bytes()).hexdigest()
    return f"{driver.base_url.rstrip('/')}/snapshot/{key}"


def wait_stored(driver, url, timeout_s=120):
    """Wait until `url` is the only stored snapshot (the worker stores it after `ready`). Polled from here: evaluate
    awaits the promise, while wait_for_function would take the promise itself as a truthy answer."""
    deadline = time.monotonic() + timeout_s
    while (urls := driver.page.evaluate(ENTRIES)) != [url]:
        assert time.monotonic() < deadline, f"stored snapshots: {urls}, expected only {url}"
        time.sleep(0.5)


def visit_and_train(driver):
    """Open (or reopen) the page, train STEPS steps; return how Python started and the losses."""
    if driver.page.url.startswith(driver.base_url):
        driver.page.reload()
        driver.wait_phase("idle", timeout=120_000)
        driver.wait_checked()
    else:
        driver.open()
    driver.set_setting("num_steps", STEPS)
    driver.train()
    return driver.state("startup")["from"], driver.state("losses")


def installed_by(driver):
    """Who installed our package, as its dist-info says (micropip writes INSTALLER; unpacking the wheel would not)."""
    return driver.state("startup")["installer"]


def test_a_repeat_visit_starts_from_the_snapshot_of_what_micropip_installed_and_computes_the_same(new_driver, builder):
    driver = new_driver(first_visit=True)
    started, losses = visit_and_train(driver)
    assert started == "fresh" and len(losses) == STEPS
    assert installed_by(driver) == "micropip"
    wait_stored(driver, snapshot_url(builder, driver))
    assert visit_and_train(driver) == ("snapshot", losses)
    assert installed_by(driver) == "micropip"
    assert driver.console_errors == []


def test_a_damaged_or_unusable_snapshot_is_replaced_and_the_page_still_starts(new_driver, builder):
    driver = new_driver(first_visit=True)
    started, losses = visit_and_train(driver)
    url = snapshot_url(builder, driver)
    wait_stored(driver, url)
    # Bytes that match their checksum but are no snapshot: Pyodide refuses them, the worker starts Python anew.
    driver.page.evaluate(PUT, [url, list(b"not a snapshot" * 1000)])
    assert visit_and_train(driver) == ("fresh", losses)
    wait_stored(driver, url)
    # Bytes that do not match their checksum (a damaged entry): refused before Pyodide sees them.
    driver.page.evaluate(f"""async (url) => {{
      const cache = await caches.open('{CACHE}');
      const response = await cache.match(url);
      const bytes = new Uint8Array(await response.arrayBuffer());
      bytes[bytes.length >> 1] ^= 0xff;
      await cache.put(url, new Response(bytes, {{ headers: response.headers }}));
    }}""", url)
    assert visit_and_train(driver) == ("fresh", losses)
    wait_stored(driver, url)
    assert visit_and_train(driver) == ("snapshot", losses)


def test_another_deploys_snapshot_is_never_restored(new_driver, builder):
    driver = new_driver(first_visit=True)
    visit_and_train(driver)
    url = snapshot_url(builder, driver)
    wait_stored(driver, url)
    stale = url[:-64] + "0" * 64
    driver.page.evaluate(COPY, [url, stale])          # as if it had been made by another deploy
    assert visit_and_train(driver)[0] == "fresh"
    wait_stored(driver, url)                          # the stale one is deleted when this deploy's is stored
