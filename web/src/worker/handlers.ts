// The type of a set of op handlers (one file per area: ops_keys.ts, ...).

import type { WorkerOps } from "./protocol";

/** Report how far a long op is (done of total); most ops never call it. */
export type Progress = (done: number, total: number) => void;

export type Handlers<K extends keyof WorkerOps> = {
  [P in K]: (args: WorkerOps[P]["args"], progress: Progress) => Promise<WorkerOps[P]["result"]>;
};
