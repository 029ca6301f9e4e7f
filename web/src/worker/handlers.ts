// The type of a set of op handlers (one file per area: ops_keys.ts, ...).

import type { WorkerOps } from "./protocol";

export type Handlers<K extends keyof WorkerOps> = {
  [P in K]: (args: WorkerOps[P]["args"]) => Promise<WorkerOps[P]["result"]>;
};
