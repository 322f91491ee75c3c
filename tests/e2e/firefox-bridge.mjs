// Firefox for the engine smoke tests (tests/e2e/engines.py): puppeteer-core launches the system Firefox over WebDriver
// BiDi (Playwright's Firefox needs its own patched build; Selenium's needs geckodriver), and this script lets Python
// drive it: one JSON command per line on stdin, one JSON answer per line on stdout.
//
//   node tests/e2e/firefox-bridge.mjs <firefox executable> <download folder>
//   {"op": "goto", "url": …} · {"op": "reload"} · {"op": "evaluate", "frame": 0|null, "expression": …}
//   {"op": "click" | "select", "frame": …, "selector": …, "value": …} · {"op": "screenshot", "path": …}
//   {"op": "errors"} (console errors and uncaught errors so far, of the page and its frames) · {"op": "close"}
// Answers: {"value": …} or {"error": message}. `frame` is the index of a child frame of the page, null for the page.

import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

const [executablePath, downloads] = process.argv.slice(2);
const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath,
  headless: true,
  defaultViewport: { width: 1280, height: 800 },
  extraPrefsFirefox: {
    // Downloads go, without asking, to the folder the test reads them from.
    "browser.download.dir": downloads,
    "browser.download.folderList": 2,
    "browser.download.useDownloadDir": true,
    "browser.download.always_ask_before_handling_new_types": false,
  },
});
const page = await browser.newPage();
const errors = [];
page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
page.on("pageerror", (error) => errors.push(`uncaught: ${error.message ?? error}`));

const frameOf = (index) => (index === null || index === undefined ? page.mainFrame() : page.mainFrame().childFrames()[index]);

const operations = {
  goto: ({ url }) => page.goto(url).then(() => null),
  reload: () => page.reload().then(() => null),
  // The expression's value, passed through JSON so that both engines' drivers answer alike.
  evaluate: ({ frame, expression }) => frameOf(frame).evaluate(
    `(async () => JSON.stringify((await (${expression})) ?? null))()`).then((text) => JSON.parse(text)),
  click: ({ frame, selector }) => frameOf(frame).click(selector).then(() => null),
  select: ({ frame, selector, value }) => frameOf(frame).select(selector, value).then(() => null),
  screenshot: ({ path }) => page.screenshot({ path, fullPage: true }).then(() => null),
  errors: async () => errors,
  close: () => browser.close().then(() => process.exit(0)),
};

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  let answer;
  try {
    answer = { value: await operations[command.op](command) };
  } catch (error) {
    answer = { error: String(error?.message ?? error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
await browser.close();
