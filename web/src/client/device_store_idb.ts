/**
 * The device store in the browser: one IndexedDB database per signed-in
 * person on this origin (`kluis-device-<principal id>`), one object store of
 * keys and values. `update` reads and writes in one read-write transaction,
 * which IndexedDB runs alone, so it is atomic.
 */
import type { DeviceStore } from "./device_store";

const STORE = "device";

export class IdbDeviceStore implements DeviceStore {
  private db: Promise<IDBDatabase> | null = null;

  constructor(private readonly principal: string) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(`kluis-device-${this.principal}`, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return this.db;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, "readonly");
      const request = tx.objectStore(STORE).get(key);
      tx.oncomplete = () => resolve(request.result as T | undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  async update<T>(key: string, f: (old: T | undefined) => T | undefined): Promise<void> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, "readwrite");
      const store = tx.objectStore(STORE);
      const read = store.get(key);
      read.onsuccess = () => {
        const next = f(read.result as T | undefined);
        if (next !== undefined) store.put(next, key);
      };
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }
}
