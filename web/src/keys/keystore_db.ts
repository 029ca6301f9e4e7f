// Where the browser keeps the keystore: IndexedDB, as the exact text of the
// CLI's keystore file (armored age, encrypted with the passphrase). Nothing
// else is stored; the unlocked keys are never written anywhere.

const DB = "kluis";
const STORE = "keystore";
const KEY = "current";

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

/** Whether a file's text looks like a kluis keystore (armored age). */
export function looksLikeKeystore(text: string): boolean {
  const t = text.trim();
  return (
    t.startsWith("-----BEGIN AGE ENCRYPTED FILE-----") &&
    t.endsWith("-----END AGE ENCRYPTED FILE-----") &&
    t.length < 64 * 1024
  );
}
