// Where the browser keeps the keystore: IndexedDB, as the exact text of the
// CLI's keystore file (armored age, encrypted with the passphrase). Nothing
// else is stored; the unlocked keys are never written anywhere.
//
// During a key rotation the new keystore waits beside the current one
// ("staged", as the CLI's `KEYSTORE.rotating`) until the server has swapped
// the keys; then one transaction makes it the current one
// (`promoteStagedKeystore`). A staged keystore found at start-up is a
// rotation that did not finish (`unfinished_rotation.ts`).

const DB = "kluis";
const STORE = "keystore";
const KEY = "current";
const STAGED = "staged";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export function loadKeystore(): Promise<string | undefined> {
  return run("readonly", (s) => s.get(KEY) as IDBRequest<string | undefined>);
}

export async function saveKeystore(text: string): Promise<void> {
  await run("readwrite", (s) => s.put(text, KEY));
}

/** The new keystore of a rotation that has not finished, if any. */
export function loadStagedKeystore(): Promise<string | undefined> {
  return run("readonly", (s) => s.get(STAGED) as IDBRequest<string | undefined>);
}

/** Keep a rotation's new keystore beside the current one, before anything is sent. */
export async function stageKeystore(text: string): Promise<void> {
  await run("readwrite", (s) => s.put(text, STAGED));
}

/** The rotation took effect: the staged keystore becomes the current one, in one transaction. */
export async function promoteStagedKeystore(): Promise<void> {
  const db = await open();
  try {
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(STORE, "readwrite");
      const store = tx.objectStore(STORE);
      const read = store.get(STAGED);
      read.onsuccess = () => {
        if (typeof read.result !== "string") {
          tx.abort();
          return;
        }
        store.put(read.result, KEY);
        store.delete(STAGED);
      };
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error("no staged keystore to promote"));
    });
  } finally {
    db.close();
  }
}

/** The rotation did not take effect: forget its new keystore. */
export async function dropStagedKeystore(): Promise<void> {
  await run("readwrite", (s) => s.delete(STAGED));
}

/** Whether a file's text looks like a kluis keystore (armored age). */
export function looksLikeKeystore(text: string): boolean {
  const t = text.trim();
  return (
    t.startsWith("-----BEGIN AGE ENCRYPTED FILE-----") &&
    t.endsWith("-----END AGE ENCRYPTED FILE-----") &&
    t.length < 64 * 1024
  );
}
