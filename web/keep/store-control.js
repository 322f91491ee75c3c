// What the page keeps across reloads, in IndexedDB: one object store of named entries, each a plain value (keep.js
// says which entries there are and checks them when read; settings/state.js judges the settings). Storage is a
// convenience, never a
// requirement: every failure (no IndexedDB, a private window, a full quota) is reported once through `onProblem`
// with the browser's error, and the page goes on without it; reads then find nothing and writes do nothing.

const DB_NAME = "microgpt";
const DB_VERSION = 1;
const ENTRIES = "kept";

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
      const requests = [work(transaction.objectStore(ENTRIES))].flat();
      const [results] = await Promise.all([Promise.all(requests.map(promised)), done]);
      return results.at(-1);
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  // Every entry, or those in `range` (an IDBKeyRange), as [[key, value]…] (none when storage failed).
  async entries(range = null) {
    let keys = [];
    const values = await this.transact("readonly", (entries) => {
      const named = entries.getAllKeys(range);
      named.addEventListener("success", () => { keys = named.result; });
      return [named, entries.getAll(range)];
    });
    return values ? keys.map((key, i) => [key, values[i]]) : [];
  }

  // Entries whose key begins with `prefix`, as [[key, value]…].
  startingWith(prefix) {
    return this.entries(IDBKeyRange.bound(prefix, `${prefix}\uffff`));
  }

  put(key, value) {
    return this.write({ put: [[key, value]] });
  }

  // Several changes in one transaction: all happen or none. put: [[key, value]…]; remove: [key…].
  write({ put = [], remove = [] }) {
    if (put.length === 0 && remove.length === 0) return Promise.resolve();
    return this.transact("readwrite", (entries) => [
      ...remove.map((key) => entries.delete(key)), ...put.map(([key, value]) => entries.put(value, key))]);
  }

  // Forget: everything this page stored.
  clear() {
    return this.transact("readwrite", (entries) => entries.clear());
  }
}
