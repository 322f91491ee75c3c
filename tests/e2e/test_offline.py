"""Offline and repeat visits (web/sw.js, web/python/offline-control.js): after one visit the app starts and trains with
the server gone and the browser offline; a repeat visit asks the server for nothing but the page and the manifest; a new
deploy (new hashes in manifest.json) replaces the files it changed, both the page and the files served cache-first.

Each test serves its own copy of dist/ and uses its own browser context, so no service worker outlives it."""

import hashlib
import json
import shutil

import pytest

WARM_TIMEOUT_MS = 60_000


@pytest.fixture
def own_site(builder, tmp_path):
    """A private copy of dist/ served on its own port; yields (folder, server, requested paths) and stops the server.

    A copy, because tests change files in it; its own server, because the offline test shuts it down."""
    builder.build()
    folder = tmp_path / "site"
    shutil.copytree(builder.DIST, folder)
    requested = []

    class Recording(builder._Handler):
        def log_request(self, code="-", size="-"):
            requested.append(self.path)

    server = builder.serve(folder)
    server.RequestHandlerClass = lambda *args: Recording(*args, directory=str(folder))
    yield folder, server, requested
    server.shutdown()
    server.server_close()


def wait_offline_copy(driver):
    """Wait until the service worker controls the page and holds every file of the deploy; return its status."""
    driver.page.wait_for_function("navigator.serviceWorker.controller !== null"
                                  " && ['ready', 'failed', 'unavailable'].includes(window.__microgptOffline.state)",
                                  timeout=WARM_TIMEOUT_MS)
    status = driver.page.evaluate("window.__microgptOffline")
    assert status["state"] == "ready", status
    assert status["cached"] == status["total"] > 20
    return status


def redeploy(folder, path, change):
    """Change one file of the served copy and its manifest entry, as a rebuild and deploy would."""
    target = folder / path
    target.write_text(change(target.read_text()))
    manifest = json.loads((folder / "manifest.json").read_text())
    data = target.read_bytes()
    manifest["files"][path] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def test_after_one_visit_the_app_starts_trains_and_samples_offline(new_driver, builder, own_site):
    folder, server, requested = own_site
    driver = new_driver(builder.url(server), first_visit=True)
    driver.open()
    wait_offline_copy(driver)

    # Nothing may come from the network now: the server is gone and the browser is offline (Playwright's offline
    # switch alone does not reach a service worker's own fetches in Chromium, so the server is stopped too).
    server.shutdown()
    server.server_close()
    driver.page.context.set_offline(True)
    requested.clear()
    driver.page.reload()
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert driver.page.text_content("#status") == "Ready"
    assert driver.page.is_enabled("#train")

    driver.set_setting("num_steps", 30)
    driver.train("done")
    assert [event["step"] for event in driver.state("events")] == list(range(1, 31))
    vocab = set(driver.state("summary.vocab"))
    samples = driver.generate()
    assert len(samples) == 20 and any(samples)
    assert all(set(name) <= vocab for name in samples)
    assert requested == []
    assert driver.console_errors == []


def test_a_repeat_visit_comes_from_the_cache_and_a_new_deploy_replaces_stale_files(new_driver, builder, own_site):
    folder, server, requested = own_site
    driver = new_driver(builder.url(server), first_visit=True)
    driver.open()
    wait_offline_copy(driver)
    assert {"/pyodide/pyodide.asm.wasm", "/pyodide/python_stdlib.zip", "/app.js"} <= set(requested)

    requested.clear()
    driver.page.reload()
    driver.wait_phase("idle", timeout=90_000)
    wait_offline_copy(driver)
    # The browser also checks sw.js itself for an update on each navigation.
    assert "/" in requested and set(requested) <= {"/", "/manifest.json", "/sw.js"}

    read_style = "fetch('./style.css').then((response) => response.text())"
    original_style = driver.page.evaluate(read_style)

    # A file changed on the server but not in the manifest is not a deploy: the kept copy is still served, which
    # shows that style.css comes from the cache, not the network.
    (folder / "style.css").write_text(original_style + "\n/* edited, not deployed */\n")
    assert "not deployed" not in driver.page.evaluate(read_style)

    redeploy(folder, "style.css", lambda text: text + "\n/* deploy 2 */\n")
    redeploy(folder, "index.html", lambda text: text.replace("<head>", '<head>\n  <meta name="deploy" content="2">'))
    driver.page.reload()
    driver.wait_phase("idle", timeout=90_000)
    assert driver.page.get_attribute('meta[name="deploy"]', "content") == "2"
    assert driver.page.evaluate(read_style).endswith("/* deploy 2 */\n")
    wait_offline_copy(driver)
    # The copies of the replaced files are gone from the cache; the new ones are kept under their new hashes.
    kept = driver.page.evaluate("caches.open('microgpt-files-v1').then((cache) => cache.keys())"
                                ".then((keys) => keys.map((request) => request.url))")
    manifest = json.loads((folder / "manifest.json").read_text())
    base = builder.url(server)
    expected = {f"{base}{path}?sha256={facts['sha256']}" for path, facts in manifest["files"].items()}
    assert set(kept) == expected | {f"{base}manifest.json"}
    assert driver.console_errors == []


def test_an_embedded_widget_gets_no_runtime_ahead_of_train(new_driver, builder, own_site):
    """The widget loads Python only when its reader presses Train: the service worker must not fetch it earlier."""
    folder, server, requested = own_site
    driver = new_driver(builder.url(server), first_visit=True)
    driver.page.goto(driver.base_url + "index.html#embed")
    driver.page.wait_for_function("window.__microgptOffline.state === 'registered'", timeout=WARM_TIMEOUT_MS)
    # `ready` resolves once a worker is active, which may still be "activating": wait until it has activated.
    driver.page.evaluate("navigator.serviceWorker.ready.then((registration) => { window.__registration = registration; })")
    driver.page.wait_for_function("window.__registration.active && window.__registration.active.state === 'activated'",
                                  timeout=WARM_TIMEOUT_MS)
    driver.page.wait_for_timeout(1_000)
    kept = driver.page.evaluate("caches.keys().then((names) => Promise.all(names.map((name) => caches.open(name)"
                                ".then((cache) => cache.keys())))).then((lists) => lists.flat().map((r) => r.url))")
    assert not any("/pyodide/" in url or "/wheels/" in url for url in kept)
    assert not any(path.startswith(("/pyodide/", "/wheels/")) for path in requested)
    assert driver.console_errors == []


def test_in_a_cross_origin_iframe_the_app_works_whatever_the_service_worker_may_do(new_driver, builder, own_site,
                                                                                    tmp_path):
    """Browsers may refuse or partition a third-party frame's service worker; the page must not care, nor log errors."""
    folder, server, requested = own_site
    app_url = builder.url(server).replace("127.0.0.1", "localhost")     # another origin than the host page's
    (tmp_path / "host").mkdir()
    (tmp_path / "host" / "index.html").write_text(
        f"<!doctype html><link rel='icon' href='data:,'><iframe src='{app_url}index.html' width='1000' height='800'"
        " title='microgpt'></iframe>")
    host = builder.serve(tmp_path / "host")
    try:
        driver = new_driver(builder.url(host), first_visit=True)
        driver.page.goto(driver.base_url)
        frame = driver.page.frames[1]
        frame.wait_for_function("window.__microgpt && window.__microgpt.phase === 'idle'", timeout=90_000)
        frame.wait_for_function("window.__microgpt.idle", timeout=30_000)     # the data's preview has answered
        frame.wait_for_function("['ready', 'unavailable', 'failed'].includes(window.__microgptOffline.state)",
                                timeout=WARM_TIMEOUT_MS)
        assert frame.evaluate("window.__microgptOffline.state") in ("ready", "unavailable")
        assert frame.is_enabled("#train")
        assert driver.console_errors == []
    finally:
        host.shutdown()
        host.server_close()
