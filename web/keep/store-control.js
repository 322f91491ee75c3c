// What the page keeps across reloads, in IndexedDB: the latest model (its checkpoint), the page's settings (as
// settings/state.js's toStored writes them) and the run list. One object store of named entries, each a plain JSON-able value. Storage is a convenience, never a
// requirement: every failure (no IndexedDB, a private window, a full quota) is reported once through `onProblem`
// with the browser's error, and the page goes on without it; reads then find nothing and writes do nothing.

const DB_NAME = "microgpt";
const DB_VERSION = 1;
const ENTRIES = "kept";
export const KEYS = { model: "model", settings: "settings", runs: "runs" };

const promised = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

export class Store {
  // onProblem(error): storage failed; said once, the first time.
  // factory: an IDBFactory (default: the page's; read only when first used, as merely reading it can throw).
  constructor(onProblem, factory = null) {
    this.onProblem = onProblem;
    this.factory = factory;
    this.db = null;
    this.opening = null;
    this.failed = false;
  }

  fail(error) {
    if (!this.failed) this.onProblem(error);
    this.failed = true;
  }

  async open() {
    if (this.db || this.failed) return this.db;
    this.opening ??= (async () => {
      const factory = this.factory ?? globalThis.indexedDB;
      if (!factory) throw new DOMException("IndexedDB is not available", "UnknownError");
      const request = factory.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => request.result.createObjectStore(ENTRIES);
      const db = await promised(request);
      // Another tab may upgrade the database one day: let it, and open again on the next use.
      db.onversionchange = () => { db.close(); this.db = null; this.opening = null; };
      return db;
    })();
    try {
      this.db = await this.opening;
    } catch (error) {
      this.fail(error);
    }
    return this.db;
  }

  async transact(mode, work) {
    const db = await this.open();
    if (!db) return undefined;
    try {
      const transaction = db.transaction(ENTRIES, mode);
      // A write has happened only once its transaction completes (a full quota shows up as an abort).
      const done = new Promise((resolve, reject) => {
        transaction.oncomplete = resolve;
        transaction.onabort = () => reject(transaction.error ?? new DOMException("storage aborted", "AbortError"));
      });
      const [result] = await Promise.all([promised(work(transaction.objectStore(ENTRIES))), done]);
      return result;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  get(key) {
    return this.transact("readonly", (entries) => entries.get(key));
  }

  // Everything kept, as {model, settings, runs} (each undefined when absent).
  async getAll() {
    const kept = {};
    for (const key of Object.values(KEYS)) kept[key] = await this.get(key);
    return kept;
  }

  put(key, value) {
    return this.transact("readwrite", (entries) => entries.put(value, key));
  }

  // Forget: everything this page stored.
  clear() {
    return this.transact("readwrite", (entries) => entries.clear());
  }
}
