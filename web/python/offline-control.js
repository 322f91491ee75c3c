// Offline and repeat visits, from the page's side: register the service worker (sw.js) and, once the full app has
// Python ready, ask it to keep every file of this deploy (see sw.js for why that is not done on install). All of it is
// optional. Where service workers are missing or refused (a cross-origin iframe with partitioned storage, private
// browsing, file://) the page works as before, and the refusal is logged as information, never as an error.
// `window.__microgptOffline` says how far it got, for the tests and the visit benchmark; its `state` is one of
// "registering", "unsupported", "unavailable", "registered" (embed: nothing is fetched ahead), "warming", "ready",
// "failed".

import { pythonReady } from "../base/events.js";

const status = { state: "registering", cached: 0, total: 0, error: null };
window.__microgptOffline = status;

// An embedded widget loads the runtime only when its reader presses Train, so it never asks for the whole deploy.
// index.html marks the embed mode on <html> before any module runs (as app.js reads it).
const embedded = document.documentElement.classList.contains("embed");

function ask(worker, message) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = ({ data }) => resolve(data);
    worker.postMessage(message, [channel.port2]);
  });
}

function unavailable(error) {
  status.state = "unavailable";
  status.error = String(error?.message || error);
  console.info(`microgpt: no offline copy of this page (${status.error})`);
}

async function main() {
  // Reading navigator.serviceWorker itself throws in some sandboxed frames, hence inside the try.
  let container;
  try {
    container = navigator.serviceWorker;
    if (!container) {
      status.state = "unsupported";
      return;
    }
    await container.register(new URL("../sw.js", import.meta.url));
  } catch (error) {
    return unavailable(error);
  }
  status.state = "registered";
  if (embedded) return;
  // Until Python is ready the runtime is still loading: fetching it a second time would only compete with that.
  await pythonReady;
  const registration = await container.ready;
  status.state = "warming";
  const result = await ask(registration.active, { type: "warm" });
  Object.assign(status, result);
  status.state = !result.error && result.cached === result.total ? "ready" : "failed";
  if (status.state === "failed") {
    status.error ??= `${result.total - result.cached} files did not match manifest.json`;
    console.info(`microgpt: the offline copy is incomplete (${status.error})`);
  }
}

main().catch(unavailable);
