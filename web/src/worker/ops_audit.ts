// The auditor's ops: the whole access log checked on this device
// (`client/audit_verify.ts`), with progress for the page's bar.

import { ApiError } from "../api/http";
import { AuditProblem, verifyLog } from "../client/audit_verify";
import type { Handlers } from "./handlers";
import { client, Refused } from "./state";

export const auditOps: Handlers<"verifyLog"> = {
  async verifyLog(_args, progress) {
    let last = -1;
    try {
      return await verifyLog(client(), (done, total) => {
        // At most about a hundred messages to the page, and the last one.
        if (done === total || total === 0 || Math.floor((done * 100) / total) !== last) {
          last = total === 0 ? 100 : Math.floor((done * 100) / total);
          progress(done, total);
        }
      });
    } catch (e) {
      if (e instanceof AuditProblem) throw new Refused("log-problem", e.message, undefined, undefined, { code: e.code, ...e.detail });
      // The server refusing part of the check (e.g. "the log is missing
      // entries": it checks itself before it signs) is a failed check too,
      // in the server's words as the CLI prints them. An expired login is
      // not: the page logs in again and retries.
      if (e instanceof ApiError && !["token-expired", "unauthenticated", "network"].includes(e.kind)) {
        throw new Refused("log-problem", e.message, undefined, undefined, { code: "server-refused", kind: e.kind });
      }
      throw e;
    }
  },
};
