/**
 * The household's export (right of access, data portability), as
 * `vault/src/client/export.rs` makes it: everything the member can read,
 * as JSON (`"kluis_export": 1`) inside an age file encrypted to the member's
 * own recipient, so the standard `age` tool opens it with their identity.
 * The export is announced to the server first (`POST …/exports`), which
 * logs it in the household's history.
 */
import { Encrypter } from "age-encryption";
import { ApiError } from "../api/http";
import { parseHouseholdId } from "../crypto/ids";
import type { Client } from "./client";
import { grants } from "./consent";
import { enc } from "./http";
import { fieldHistory, listFields } from "./plan";

export interface ExportSummary {
  fields: number;
  versions: number;
  grants: number;
  log_entries: number;
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

async function accessLog(c: Client, h: string): Promise<unknown[]> {
  const all: unknown[] = [];
  let after: number | undefined;
  for (let page = 0; page < 1000; page++) {
    const q = after === undefined ? "" : `?after=${after}`;
    const got = await c.api.get<{ entries: unknown[]; next?: number | null }>(
      `/v1/households/${enc(h)}/access-log${q}`,
    );
    all.push(...got.entries);
    if (got.next === undefined || got.next === null) return all;
    after = got.next;
  }
  return all;
}

/** Build the export; the age file's bytes and what it holds. */
export async function exportHousehold(c: Client, household: string): Promise<{ file: Uint8Array; summary: ExportSummary }> {
  const h = parseHouseholdId(household);
  await c.api.post(`/v1/households/${enc(h)}/exports`, {});
  const fields = [];
  let versions = 0;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (const f of await listFields(c, h)) {
    let history;
    try {
      history = await fieldHistory(c, h, f.path);
    } catch (e) {
      // Someone's private observation: listed, not readable by this member.
      if (e instanceof ApiError && (e.status === 403 || e.status === 404)) {
        versions += 1;
        fields.push({ path: f.path, versions: [{ version: f.version, created_at: f.created_at, author_role: f.author_role, withheld: true }] });
        continue;
      }
      throw e;
    }
    const out = [];
    for (const v of [...history].reverse()) {
      versions += 1;
      const entry: Record<string, unknown> = { version: v.version, created_at: v.createdAt, author_role: f.author_role };
      try {
        entry.text = decoder.decode(v.value);
      } catch {
        entry.base64 = base64(v.value);
      }
      out.push(entry);
    }
    fields.push({ path: f.path, versions: out });
  }
  const granted = await grants(c, h);
  const log = await accessLog(c, h);
  const document = JSON.stringify(
    {
      kluis_export: 1,
      household: h,
      exported_at: new Date().toISOString(),
      exported_by: c.me,
      fields,
      grants: granted,
      access_log: log,
    },
    null,
    2,
  );
  const e = new Encrypter();
  e.addRecipient(c.identity.publicKeys.age_recipient);
  const file = await e.encrypt(new TextEncoder().encode(document));
  return { file, summary: { fields: fields.length, versions, grants: granted.length, log_entries: log.length } };
}
