"""Firefox and WebKit for the engine smoke tests (tests/e2e/test_engines.py), each behind the same small driver.

- Firefox: the system's `firefox-esr`, driven over WebDriver BiDi by npm's puppeteer-core through
  tests/e2e/firefox-bridge.mjs (Playwright's Firefox is a patched build of its own; Selenium's needs geckodriver).
- WebKit: WebKitGTK's `WebKitWebDriver` (package webkit2gtk-driver) with its MiniBrowser, through Selenium, in a
  virtual X display (Xvfb): WebKitGTK has no headless mode. With no locale, WebKit reports navigator.language "C",
  which Intl rejects, so the browser gets a real one.
scripts/test.py installs both with apt-get when it can; a test of an engine this machine lacks is skipped, saying what
to install.

A driver does what the smoke path needs, on the page or on its child frame number `frame`: goto, reload, evaluate (the
JSON value of an expression, promises awaited), wait (for an expression to be truthy), click, select, screenshot, and
`errors()`, the console errors and uncaught errors so far, of the page and its frames: Firefox's from its console;
WebKit's from the page's own list (window.__microgptErrors, kept by web/boot.js from the first script on: console.error
calls, uncaught errors, unhandled rejections, elements that failed to load), since WebKitGTK's WebDriver reports no
console (no log endpoint, no BiDi), read before each navigation and at the end.
"""

import json
import os
import pathlib
import shutil
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
BRIDGE = pathlib.Path(__file__).with_name("firefox-bridge.mjs")
FIREFOX = "/usr/bin/firefox-esr"
WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"
MINIBROWSER = pathlib.Path("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
VIEWPORT = (1280, 800)


def missing(engine):
    """Why `engine` cannot run here (what to install), or None when it can."""
    if engine == "firefox":
        if not pathlib.Path(FIREFOX).is_file():
            return f"no {FIREFOX}: install the firefox-esr package"
        if not (ROOT / "node_modules" / "puppeteer-core").is_dir() or not shutil.which("node"):
            return "no node_modules/puppeteer-core: run `npm ci` (python build.py does)"
        return None
    for path, package in ((WEBKIT_DRIVER, "webkit2gtk-driver"), (MINIBROWSER, "webkit2gtk-driver"),
                          (shutil.which("Xvfb") or "/usr/bin/Xvfb", "xvfb")):
        if not pathlib.Path(path).is_file():
            return f"no {path}: install the {package} package"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "no Python package selenium: pip install selenium"
    return None


class Driver:
    """What both engines' drivers share: waiting by polling an expression (no engine-specific waiting API)."""

    def wait(self, expression, timeout=60, frame=None):
        deadline = time.monotonic() + timeout
        while not (value := self.evaluate(expression, frame)):
            assert time.monotonic() < deadline, f"waited {timeout} s for {expression} (last: {value!r})"
            time.sleep(0.2)
        return value

    def wait_phase(self, *phases, timeout=90, frame=None):
        self.wait(f"window.__microgpt && {json.dumps(list(phases))}.includes(window.__microgpt.phase)", timeout, frame)

    def wait_checked(self, frame=None):
        """Wait until Python has answered the latest settings check and data preview."""
        self.wait("window.__microgpt.idle", 30, frame)

    def state(self, expression, frame=None):
        return self.evaluate(f"window.__microgpt.{expression}", frame)

    def text(self, selector, frame=None):
        return self.evaluate(f"document.querySelector({json.dumps(selector)}).textContent", frame)

    def visible(self, selector, frame=None):
        return self.evaluate(f"(element => !!element && element.checkVisibility())"
                             f"(document.querySelector({json.dumps(selector)}))", frame)


class Firefox(Driver):
    def __init__(self, downloads):
        self.process = subprocess.Popen(["node", str(BRIDGE), FIREFOX, str(downloads)], cwd=ROOT, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def command(self, op, **arguments):
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"Firefox's bridge ended (exit code {self.process.poll()}) during {op}"
        answer = json.loads(line)
        assert "error" not in answer, f"Firefox, {op} {arguments}: {answer['error']}"
        return answer["value"]

    def goto(self, url):
        self.command("goto", url=url)

    def reload(self):
        self.command("reload")

    def evaluate(self, expression, frame=None):
        return self.command("evaluate", frame=frame, expression=expression)

    def click(self, selector, frame=None):
        self.command("click", frame=frame, selector=selector)

    def select(self, selector, value, frame=None):
        self.command("select", frame=frame, selector=selector, value=value)

    def screenshot(self, path):
        self.command("screenshot", path=str(path))

    def errors(self):
        return self.command("errors")

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


class WebKit(Driver):
    def __init__(self, downloads):
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service
        display = next(n for n in range(99, 200) if not pathlib.Path(f"/tmp/.X{n}-lock").exists())
        self.xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not pathlib.Path(f"/tmp/.X11-unix/X{display}").exists():
            assert self.xvfb.poll() is None and time.monotonic() < deadline, f"Xvfb :{display} did not start"
            time.sleep(0.1)
        options = Options()
        options.binary_location = str(MINIBROWSER)
        options.add_argument("--automation")
        # Downloads go, without asking, to the XDG download folder: here the one the test reads.
        config = pathlib.Path(downloads).parent / "xdg-config"
        config.mkdir(exist_ok=True)
        (config / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{downloads}"\n')
        env = {**os.environ, "DISPLAY": f":{display}", "LANG": "en_US.UTF-8", "XDG_CONFIG_HOME": str(config)}
        self.browser = webdriver.WebKitGTK(options=options, service=Service(executable_path=WEBKIT_DRIVER, env=env))
        self.browser.set_window_size(*VIEWPORT)
        self.browser.set_script_timeout(60)
        self.collected = []         # the pages' errors read so far

    def in_frame(self, frame):
        self.browser.switch_to.default_content()
        if frame is not None:
            self.browser.switch_to.frame(frame)

    def goto(self, url):
        self.collect()
        self.browser.get(url)

    def reload(self):
        self.collect()
        self.browser.refresh()

    def collect(self):
        """Move the errors web/boot.js kept in this document and in each of its frames (a page without it has none)
        to `collected`."""
        self.in_frame(None)
        frames = self.browser.execute_script("return window.frames.length")
        for frame in [None, *range(frames)]:
            self.collected += self.evaluate("window.__microgptErrors?.splice(0) ?? []", frame)

    def errors(self):
        self.collect()
        return self.collected

    def evaluate(self, expression, frame=None):
        self.in_frame(frame)
        text = self.browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"(async () => JSON.stringify((await ({expression})) ?? null))()"
            ".then(done, (error) => done(JSON.stringify({error: String(error)})));")
        value = json.loads(text)
        assert not (isinstance(value, dict) and value.keys() == {"error"}), f"WebKit, {expression}: {value['error']}"
        return value

    def element(self, selector, frame):
        from selenium.webdriver.common.by import By
        self.in_frame(frame)
        return self.browser.find_element(By.CSS_SELECTOR, selector)

    def click(self, selector, frame=None):
        self.element(selector, frame).click()

    def select(self, selector, value, frame=None):
        from selenium.webdriver.support.select import Select
        Select(self.element(selector, frame)).select_by_value(value)

    def screenshot(self, path):
        self.in_frame(None)
        self.browser.save_screenshot(str(path))

    def close(self):
        self.browser.quit()
        self.xvfb.terminate()
        self.xvfb.wait(timeout=30)


DRIVERS = {"firefox": Firefox, "webkit": WebKit}
