/**
 * Staff training rules (P4.3 人员培训): a person's status for a module, progress through a
 * checklist run, quiz scoring, what blocks submitting for sign-off, certificate expiry and
 * assignment due dates. Pure: every time-dependent rule takes `now`; the pages take it from
 * web/services/clock.ts so that tests can move it. Content types come from training/content.ts.
 */
import type { ChecklistItem, ModuleChange, Quiz, TrainingModule } from '../training/content';

/** What a person's state is for one module at a moment, as the matrix and "my modules" show it. */
export const TRAINING_STATUSES = [
  'not_started',
  'in_progress',
  'awaiting_sign_off',
  'certified',
  'expiring',
  'expired',
  'needs_reacknowledge',
] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];

export type RunStatus = 'in_progress' | 'submitted' | 'certified' | 'sent_back';

/** The facts of one run that the status rules need (db/training.ts reads them). */
export interface RunFacts {
  id: number;
  moduleVersion: number;
  status: RunStatus;
  startedAt: string;
  submittedAt?: string | null;
  signedOffAt?: string | null;
  expiresAt?: string | null;
  /** The newest module version the holder acknowledged after certifying (Trainual-style re-acknowledge). */
  acknowledgedVersion?: number | null;
}

/** A certificate counts as "expiring" this long before it expires (Moodle-style recertification notice). */
export const EXPIRING_WITHIN_MS = 30 * 24 * 3600 * 1000;
/** An assignment counts as "due soon" this long before its due date. */
export const DUE_SOON_WITHIN_MS = 7 * 24 * 3600 * 1000;

const ms = (iso: string | null | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

/** The version a certificate covers: the version it was earned on, or a newer one acknowledged since. */
export function certifiedVersion(run: RunFacts): number {
  return Math.max(run.moduleVersion, run.acknowledgedVersion ?? 0);
}

/** The newest signed-off run (the person's certificate for the module), if any. */
export function latestCertificate(runs: readonly RunFacts[]): RunFacts | undefined {
  return runs
    .filter((r) => r.status === 'certified' && r.signedOffAt)
    .sort((a, b) => ms(b.signedOffAt) - ms(a.signedOffAt) || b.id - a.id)[0];
}

/** The run still being worked on or waiting for a supervisor (at most one per person and module). */
export function openRun(runs: readonly RunFacts[]): RunFacts | undefined {
  return runs.filter((r) => r.status !== 'certified').sort((a, b) => ms(b.startedAt) - ms(a.startedAt) || b.id - a.id)[0];
}

/** Certificate expiry: sign-off time plus the module's validity period. */
export function expiryFor(signedOffAt: Date, validityDays: number): Date {
  return new Date(signedOffAt.getTime() + validityDays * 24 * 3600 * 1000);
}

export type CertificateState = 'none' | 'valid' | 'expiring' | 'expired' | 'needs_reacknowledge';

/** The certificate alone, at `now`, against the module's current version. */
export function certificateState(cert: RunFacts | undefined, currentVersion: number, now: Date): CertificateState {
  if (!cert) return 'none';
  const expires = ms(cert.expiresAt);
  if (Number.isFinite(expires) && now.getTime() >= expires) return 'expired';
  if (certifiedVersion(cert) < currentVersion) return 'needs_reacknowledge';
  if (Number.isFinite(expires) && expires - now.getTime() <= EXPIRING_WITHIN_MS) return 'expiring';
  return 'valid';
}

/**
 * A person's status for a module at `now`. Order of precedence, most actionable first:
 * a run waiting for sign-off (a supervisor must act); then a live certificate (flagged when it is
 * about to expire or the content changed since); then work in progress; then an expired
 * certificate; else not started.
 */
export function moduleStatus(runs: readonly RunFacts[], currentVersion: number, now: Date): TrainingStatus {
  const open = openRun(runs);
  if (open?.status === 'submitted') return 'awaiting_sign_off';
  const cert = certificateState(latestCertificate(runs), currentVersion, now);
  if (cert === 'valid') return 'certified';
  if (cert === 'expiring' || cert === 'needs_reacknowledge') return cert;
  if (open) return 'in_progress';
  if (cert === 'expired') return 'expired';
  return 'not_started';
}

/**
 * Does the person hold a certificate that permits the work at `now` (certification gate)? Judged on
 * the certificate alone: a recertification run waiting for sign-off does not take a valid
 * certificate away.
 */
export function holdsValidCertificate(runs: readonly RunFacts[], currentVersion: number, now: Date): boolean {
  const state = certificateState(latestCertificate(runs), currentVersion, now);
  return state === 'valid' || state === 'expiring';
}

/** Statuses under which the person holds a certificate that permits the work (certification gate). */
export function isCertifiedStatus(status: TrainingStatus): boolean {
  return status === 'certified' || status === 'expiring';
}

// ---------------------------------------------------------------------------------------------
// Checklist progress
// ---------------------------------------------------------------------------------------------

export interface RunItemState {
  itemId: string;
  done: boolean;
  note?: string | null;
  evidencePath?: string | null;
}

/** Why an item cannot be ticked yet: the evidence its `requires` asks for is missing. */
export function missingEvidence(item: Pick<ChecklistItem, 'requires'>, state: { note?: string | null; evidencePath?: string | null }): 'note' | 'photo' | null {
  if (item.requires === 'note' && !(state.note ?? '').trim()) return 'note';
  if (item.requires === 'photo' && !state.evidencePath) return 'photo';
  return null;
}

/** An item counts as done when it is ticked and still carries the evidence it requires. */
export function itemDone(item: ChecklistItem, state: RunItemState | undefined): boolean {
  return !!state && state.done && missingEvidence(item, state) === null;
}

export interface Progress {
  done: number;
  total: number;
  /** 0–100, rounded down, for the bar and screen readers. */
  percent: number;
}

/** "3 of 8 done": counted over the module version's items only (stale item ids are ignored). */
export function progressOf(items: readonly ChecklistItem[], states: readonly RunItemState[]): Progress {
  const byId = new Map(states.map((s) => [s.itemId, s]));
  const done = items.filter((it) => itemDone(it, byId.get(it.id))).length;
  const total = items.length;
  return { done, total, percent: total === 0 ? 0 : Math.floor((done * 100) / total) };
}

// ---------------------------------------------------------------------------------------------
// Quiz
// ---------------------------------------------------------------------------------------------

export interface QuizResult {
  correct: number;
  total: number;
  /** correct / total */
  score: number;
  passed: boolean;
  /** ids of questions answered wrong or not at all, in quiz order */
  wrong: string[];
}

/**
 * Scores answers (question id → chosen option index). An unanswered question counts as wrong.
 * Passed when the fraction correct reaches the pass mark (compared in whole answers, so that
 * 4/5 against 0.8 passes despite floating point).
 */
export function scoreQuiz(quiz: Quiz, answers: Readonly<Record<string, number | undefined>>): QuizResult {
  const wrong: string[] = [];
  let correct = 0;
  for (const q of quiz.questions) {
    if (answers[q.id] === q.answer) correct += 1;
    else wrong.push(q.id);
  }
  const total = quiz.questions.length;
  const needed = Math.ceil(quiz.passMark * total - 1e-9);
  return { correct, total, score: total === 0 ? 0 : correct / total, passed: correct >= needed, wrong };
}

// ---------------------------------------------------------------------------------------------
// Submitting for sign-off ("stop tasks": nothing is submitted half done)
// ---------------------------------------------------------------------------------------------

export interface SubmitCheck {
  ok: boolean;
  /** checklist items not done yet, in module order */
  missingItems: string[];
  quizPassed: boolean;
}

export function canSubmit(module: Pick<TrainingModule, 'items'>, states: readonly RunItemState[], quizPassed: boolean): SubmitCheck {
  const byId = new Map(states.map((s) => [s.itemId, s]));
  const missingItems = module.items.filter((it) => !itemDone(it, byId.get(it.id))).map((it) => it.id);
  return { ok: missingItems.length === 0 && quizPassed, missingItems, quizPassed };
}

// ---------------------------------------------------------------------------------------------
// Versions and assignments
// ---------------------------------------------------------------------------------------------

/** The changelog entries a holder certified on `fromVersion` has not seen yet, oldest first. */
export function changesSince(changes: readonly ModuleChange[], fromVersion: number): ModuleChange[] {
  return changes.filter((c) => c.version > fromVersion).sort((a, b) => a.version - b.version);
}

export type DueState = 'none' | 'due' | 'due_soon' | 'overdue' | 'done';

/**
 * An assignment's state: done once the person holds a certificate that permits the work;
 * otherwise overdue after the due date, due soon within 7 days of it, else due (or none without a date).
 */
export function dueState(dueAt: string | null | undefined, status: TrainingStatus, now: Date): DueState {
  if (isCertifiedStatus(status)) return 'done';
  if (!dueAt) return 'none';
  const due = ms(dueAt);
  if (!Number.isFinite(due)) return 'none';
  if (now.getTime() > due) return 'overdue';
  if (due - now.getTime() <= DUE_SOON_WITHIN_MS) return 'due_soon';
  return 'due';
}

/** The earliest due date among a person's assignments for a module (null when none has a date). */
export function earliestDue(dues: ReadonlyArray<string | null | undefined>): string | null {
  const dated = dues.filter((d): d is string => !!d && Number.isFinite(ms(d)));
  if (dated.length === 0) return null;
  return dated.reduce((a, b) => (ms(a) <= ms(b) ? a : b));
}

/** How urgent a row is on "my modules": lower first. */
export function urgency(status: TrainingStatus, due: DueState): number {
  if (status === 'expired' || due === 'overdue') return 0;
  if (status === 'needs_reacknowledge' || status === 'expiring' || due === 'due_soon') return 1;
  if (status === 'in_progress') return 2;
  if (due === 'due' || due === 'none') return status === 'not_started' ? 3 : 4;
  return 5;
}
