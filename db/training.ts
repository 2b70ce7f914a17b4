/**
 * Training data (P4.3): assignments, runs, ticked items with notes and evidence, quiz attempts.
 * State changes that race (two tabs submitting, two supervisors signing off) are compare-and-set
 * updates on `status`, so exactly one wins and the other is told.
 */
import type { RunFacts, RunItemState, RunStatus } from '../domain/training';
import type { TrainingModule } from '../training/content';
import type { Db } from './knex';
import { dbTime, parseJson, toIso } from './time';

export interface RunRecord extends RunFacts {
  userId: number;
  moduleId: string;
  submittedAt: string | null;
  signedOffBy: string | null;
  signedOffAt: string | null;
  comment: string | null;
  quizScore: number | null;
  quizPassed: boolean;
  expiresAt: string | null;
  acknowledgedVersion: number | null;
  acknowledgedAt: string | null;
}

export interface RunItemRecord extends RunItemState {
  note: string | null;
  evidencePath: string | null;
  evidenceMime: string | null;
  updatedAt: string;
}

export interface AssignmentRecord {
  id: number;
  moduleId: string;
  userId: number | null;
  role: string | null;
  dueAt: string | null;
  assignedBy: string;
  createdAt: string;
}

export interface QuizAttemptRecord {
  id: number;
  runId: number;
  answers: Record<string, number>;
  correct: number;
  total: number;
  score: number;
  passed: boolean;
  at: string;
}

function runFromRow(r: Record<string, any>): RunRecord {
  return {
    id: r.id,
    userId: r.user_id,
    moduleId: r.module_id,
    moduleVersion: Number(r.module_version),
    status: r.status as RunStatus,
    startedAt: toIso(r.started_at)!,
    submittedAt: toIso(r.submitted_at),
    signedOffBy: r.signed_off_by ?? null,
    signedOffAt: toIso(r.signed_off_at),
    comment: r.comment ?? null,
    quizScore: r.quiz_score === null || r.quiz_score === undefined ? null : Number(r.quiz_score),
    quizPassed: !!r.quiz_passed,
    expiresAt: toIso(r.expires_at),
    acknowledgedVersion: r.acknowledged_version === null || r.acknowledged_version === undefined ? null : Number(r.acknowledged_version),
    acknowledgedAt: toIso(r.acknowledged_at),
  };
}

function itemFromRow(r: Record<string, any>): RunItemRecord {
  return {
    itemId: r.item_id,
    done: !!r.done,
    note: r.note ?? null,
    evidencePath: r.evidence_path ?? null,
    evidenceMime: r.evidence_mime ?? null,
    updatedAt: toIso(r.updated_at)!,
  };
}

function assignmentFromRow(r: Record<string, any>): AssignmentRecord {
  return {
    id: r.id,
    moduleId: r.module_id,
    userId: r.user_id ?? null,
    role: r.role ?? null,
    dueAt: toIso(r.due_at),
    assignedBy: r.assigned_by,
    createdAt: toIso(r.created_at)!,
  };
}

const insertedId = (row: unknown): number => (typeof row === 'object' && row !== null ? (row as { id: number }).id : (row as number));

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

/**
 * The person's open run of the module (in progress, sent back or submitted), or a new one on
 * `moduleVersion`. An open run keeps the version it started on, even after a newer one is published.
 */
export async function startOrResumeRun(db: Db, input: { userId: number; module: TrainingModule; now: Date }): Promise<{ run: RunRecord; created: boolean }> {
  const moduleId = input.module.id;
  return db.transaction(async (trx) => {
    const open = await trx('training_runs')
      .where({ user_id: input.userId, module_id: moduleId })
      .whereIn('status', ['in_progress', 'sent_back', 'submitted'])
      .orderBy('id', 'desc')
      .first();
    if (open) return { run: runFromRow(open), created: false };
    const [row] = await trx('training_runs')
      .insert({ user_id: input.userId, module_id: moduleId, module_version: input.module.version, module_json: JSON.stringify(input.module), status: 'in_progress', started_at: dbTime(input.now), quiz_passed: false })
      .returning('id');
    const created = await trx('training_runs').where({ id: insertedId(row) }).first();
    return { run: runFromRow(created), created: true };
  });
}

/** A run with the module content it was started on. */
export async function getRun(db: Db, id: number): Promise<(RunRecord & { module: TrainingModule }) | undefined> {
  const row = await db('training_runs').where({ id }).first();
  return row ? { ...runFromRow(row), module: parseJson<TrainingModule>(row.module_json) } : undefined;
}

const RUN_COLUMNS = [
  'id', 'user_id', 'module_id', 'module_version', 'status', 'started_at', 'submitted_at', 'signed_off_by', 'signed_off_at',
  'comment', 'quiz_score', 'quiz_passed', 'expires_at', 'acknowledged_version', 'acknowledged_at',
];

export async function listRunItems(db: Db, runId: number): Promise<RunItemRecord[]> {
  const rows = await db('training_run_items').where({ run_id: runId }).orderBy('id');
  return rows.map(itemFromRow);
}

export async function getRunItem(db: Db, runId: number, itemId: string): Promise<RunItemRecord | undefined> {
  const row = await db('training_run_items').where({ run_id: runId, item_id: itemId }).first();
  return row ? itemFromRow(row) : undefined;
}

/** Every run of these people (all people when `userIds` is omitted), oldest first. */
export async function listRuns(db: Db, filter: { userIds?: number[]; moduleId?: string; status?: RunStatus } = {}): Promise<RunRecord[]> {
  const q = db('training_runs').select(RUN_COLUMNS).orderBy('id');
  if (filter.userIds) q.whereIn('user_id', filter.userIds.length ? filter.userIds : [-1]);
  if (filter.moduleId) q.where('module_id', filter.moduleId);
  if (filter.status) q.where('status', filter.status);
  return (await q).map(runFromRow);
}

/**
 * Saves one checklist item of an open run (insert or update), in one statement per item so that
 * each tick is saved at once. Only fields given are changed. Returns false when the run is no
 * longer open (submitted or certified meanwhile): nothing is written then.
 */
export async function saveRunItem(
  db: Db,
  runId: number,
  itemId: string,
  change: { done?: boolean; note?: string | null; evidencePath?: string; evidenceMime?: string; now: Date },
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const run = await trx('training_runs').where({ id: runId }).whereIn('status', ['in_progress', 'sent_back']).first('id');
    if (!run) return false;
    const fields: Record<string, unknown> = { updated_at: dbTime(change.now) };
    if (change.done !== undefined) fields.done = change.done;
    if (change.note !== undefined) fields.note = change.note;
    if (change.evidencePath !== undefined) {
      fields.evidence_path = change.evidencePath;
      fields.evidence_mime = change.evidenceMime ?? null;
    }
    const existing = await trx('training_run_items').where({ run_id: runId, item_id: itemId }).first('id');
    if (existing) await trx('training_run_items').where({ id: existing.id }).update(fields);
    else await trx('training_run_items').insert({ run_id: runId, item_id: itemId, done: false, ...fields });
    return true;
  });
}

export async function recordQuizAttempt(
  db: Db,
  runId: number,
  attempt: { answers: Record<string, number>; correct: number; total: number; score: number; passed: boolean; now: Date },
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const updated = await trx('training_runs')
      .where({ id: runId })
      .whereIn('status', ['in_progress', 'sent_back'])
      .update({ quiz_score: attempt.score, quiz_passed: attempt.passed });
    if (!updated) return false;
    await trx('training_quiz_attempts').insert({
      run_id: runId,
      answers_json: JSON.stringify(attempt.answers),
      correct: attempt.correct,
      total: attempt.total,
      score: attempt.score,
      passed: attempt.passed,
      at: dbTime(attempt.now),
    });
    return true;
  });
}

export async function listQuizAttempts(db: Db, runId: number): Promise<QuizAttemptRecord[]> {
  const rows = await db('training_quiz_attempts').where({ run_id: runId }).orderBy('id');
  return rows.map((r) => ({
    id: r.id,
    runId: r.run_id,
    answers: parseJson<Record<string, number>>(r.answers_json),
    correct: Number(r.correct),
    total: Number(r.total),
    score: Number(r.score),
    passed: !!r.passed,
    at: toIso(r.at)!,
  }));
}

/** in_progress | sent_back → submitted. False when the run was not open. */
export async function submitRun(db: Db, runId: number, now: Date): Promise<boolean> {
  const n = await db('training_runs').where({ id: runId }).whereIn('status', ['in_progress', 'sent_back']).update({ status: 'submitted', submitted_at: dbTime(now) });
  return n === 1;
}

/** submitted → certified, with the certificate's expiry. False when it was not waiting for sign-off. */
export async function signOffRun(db: Db, runId: number, input: { by: string; comment: string | null; now: Date; expiresAt: Date }): Promise<boolean> {
  const n = await db('training_runs').where({ id: runId, status: 'submitted' }).update({
    status: 'certified',
    signed_off_by: input.by,
    signed_off_at: dbTime(input.now),
    comment: input.comment,
    expires_at: dbTime(input.expiresAt),
  });
  return n === 1;
}

/** submitted → sent_back with the supervisor's comment; the person fixes and submits again. */
export async function sendBackRun(db: Db, runId: number, input: { by: string; comment: string; now: Date }): Promise<boolean> {
  const n = await db('training_runs').where({ id: runId, status: 'submitted' }).update({
    status: 'sent_back',
    signed_off_by: input.by,
    signed_off_at: dbTime(input.now),
    comment: input.comment,
  });
  return n === 1;
}

/** The holder read what changed up to `version`: the certificate now covers it. */
export async function acknowledgeVersion(db: Db, runId: number, version: number, now: Date): Promise<boolean> {
  const n = await db('training_runs').where({ id: runId, status: 'certified' }).update({ acknowledged_version: version, acknowledged_at: dbTime(now) });
  return n === 1;
}

// ---------------------------------------------------------------------------------------------
// Assignments
// ---------------------------------------------------------------------------------------------

export async function createAssignment(
  db: Db,
  input: { moduleId: string; userId?: number | null; role?: string | null; dueAt: Date | null; assignedBy: string; now: Date },
): Promise<number> {
  const [row] = await db('training_assignments')
    .insert({
      module_id: input.moduleId,
      user_id: input.userId ?? null,
      role: input.role ?? null,
      due_at: input.dueAt ? dbTime(input.dueAt) : null,
      assigned_by: input.assignedBy,
      created_at: dbTime(input.now),
    })
    .returning('id');
  return insertedId(row);
}

export async function listAssignments(db: Db): Promise<AssignmentRecord[]> {
  const rows = await db('training_assignments').orderBy('id');
  return rows.map(assignmentFromRow);
}

/** Assignments that reach this person: to them by name, or to their role. */
export async function assignmentsFor(db: Db, user: { id: number; role: string }): Promise<AssignmentRecord[]> {
  const rows = await db('training_assignments')
    .where((q) => q.where('user_id', user.id).orWhere('role', user.role))
    .orderBy('id');
  return rows.map(assignmentFromRow);
}
