/**
 * Certification gate (P4.3 tied to the work): a person may decide a workflow task only while they
 * hold a valid certificate for the training module its kind names (TASK_KIND_MODULES, e.g. a
 * stockout task (P1.10) needs `supervisor-stuck-tasks`). Without one, the console shows the task
 * read-only with a link to the module, and decideTask refuses the decision.
 *
 * Who is gated: people (console users, passed as `user`). API-key callers are machines and are not:
 * they never pass a user. Setting BOXFLOW_REQUIRE_CERTIFICATION=0 turns the gate off (default on).
 */
import type { Db } from '../../db/knex';
import { listRuns } from '../../db/training';
import { holdsValidCertificate, moduleStatus, TrainingStatus } from '../../domain/training';
import { findTrainingModule, STATION_MODULES, TASK_KIND_MODULES } from '../../training/content';
import { clockNow } from './clock';

export type GateReason =
  | 'gate_off' // BOXFLOW_REQUIRE_CERTIFICATION=0
  | 'no_module_needed' // this task kind names no module
  | 'certified'
  | 'not_certified'; // see `status` for why: not started, in progress, expired, needs re-acknowledging …

export interface GateResult {
  allowed: boolean;
  /** The module the task kind needs (null when none). */
  moduleId: string | null;
  /** Where to take the training: `/training/modules/<id>`. */
  moduleUrl: string | null;
  reason: GateReason;
  /** The person's status for the module, when one is needed. */
  status: TrainingStatus | null;
}

export interface GateUser {
  id: number;
  role: string;
  username?: string;
}

export function certificationRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.BOXFLOW_REQUIRE_CERTIFICATION ?? '1') !== '0';
}

export function moduleForTaskKind(kind: string): string | null {
  return Object.prototype.hasOwnProperty.call(TASK_KIND_MODULES, kind) ? TASK_KIND_MODULES[kind] : null;
}

/**
 * May this person decide a task of this kind now? `now` defaults to the training clock.
 * A module that is no longer in the content (renamed) cannot be certified: the gate then lets the
 * decision through rather than lock everyone out, and says so in `reason`.
 */
export async function canDecide(db: Db, user: GateUser, taskKind: string, opts: { now?: Date; required?: boolean } = {}): Promise<GateResult> {
  const moduleId = moduleForTaskKind(taskKind);
  const moduleUrl = moduleId ? `/training/modules/${moduleId}` : null;
  if (!(opts.required ?? certificationRequired())) return { allowed: true, moduleId, moduleUrl, reason: 'gate_off', status: null };
  const module = moduleId ? findTrainingModule(moduleId) : undefined;
  if (!moduleId || !module) return { allowed: true, moduleId, moduleUrl, reason: 'no_module_needed', status: null };
  const runs = await listRuns(db, { userIds: [user.id], moduleId });
  const now = opts.now ?? clockNow();
  const status = moduleStatus(runs, module.version, now);
  const allowed = holdsValidCertificate(runs, module.version, now);
  return { allowed, moduleId, moduleUrl, reason: allowed ? 'certified' : 'not_certified', status };
}

/** The same gate for a warehouse station (STATION_MODULES): may this person pick, pack or hand over now? */
export async function canWorkStation(db: Db, user: GateUser, step: keyof typeof STATION_MODULES, opts: { now?: Date; required?: boolean } = {}): Promise<GateResult> {
  const moduleId = STATION_MODULES[step];
  const moduleUrl = `/training/modules/${moduleId}`;
  if (!(opts.required ?? certificationRequired())) return { allowed: true, moduleId, moduleUrl, reason: 'gate_off', status: null };
  const module = findTrainingModule(moduleId);
  if (!module) return { allowed: true, moduleId, moduleUrl, reason: 'no_module_needed', status: null };
  const runs = await listRuns(db, { userIds: [user.id], moduleId });
  const now = opts.now ?? clockNow();
  const allowed = holdsValidCertificate(runs, module.version, now);
  return { allowed, moduleId, moduleUrl, reason: allowed ? 'certified' : 'not_certified', status: moduleStatus(runs, module.version, now) };
}

/** The gate for several task kinds at once (a console inbox page): kind → result. */
export async function gateForKinds(db: Db, user: GateUser, kinds: Iterable<string>, opts: { now?: Date; required?: boolean } = {}): Promise<Map<string, GateResult>> {
  const out = new Map<string, GateResult>();
  for (const kind of new Set(kinds)) out.set(kind, await canDecide(db, user, kind, opts));
  return out;
}
