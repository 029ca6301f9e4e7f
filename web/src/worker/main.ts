// The key worker: unlocked keys live here, never in the page.
export {};
