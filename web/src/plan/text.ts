// Field values are UTF-8 text in the app (the CLI stores exact bytes).

export const encode = (text: string) => new TextEncoder().encode(text);
export function decode(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}
