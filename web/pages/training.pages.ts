/**
 * Staff training pages (P4.3 人员培训, issue #5): my modules, a module's overview, a run (tick items,
 * notes, evidence photos, quiz, submit for sign-off), a printable checklist, and for supervisors the
 * team matrix, assignments, the sign-off queue and a CSV export. Routes stay thin: data access is in
 * db/training.ts, the rules in domain/training.ts, the content in training/content.ts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Request, Response, Router } from 'express';
import multer from 'multer';
import { stripImageMetadata } from '../../adapters/images/strip-metadata';
import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/knex';
import {
  acknowledgeVersion,
  assignmentsFor,
  createAssignment,
  getRun,
  getRunItem,
  listAssignments,
  listQuizAttempts,
  listRunItems,
  listRuns,
  recordQuizAttempt,
  RunItemRecord,
  RunRecord,
  saveRunItem,
  sendBackRun,
  signOffRun,
  startOrResumeRun,
  submitRun,
} from '../../db/training';
import { getUser, isRole, listUsers, UserRecord } from '../../db/users';
import {
  canSubmit,
  changesSince,
  dueState,
  DueState,
  earliestDue,
  expiryFor,
  latestCertificate,
  missingEvidence,
  moduleStatus,
  openRun,
  progressOf,
  scoreQuiz,
  TRAINING_STATUSES,
  TrainingStatus,
  urgency,
  certifiedVersion,
} from '../../domain/training';
import { findTrainingModule, getTrainingModules, localize, TrainingModule } from '../../training/content';
import { hasRole, requireRole } from '../auth/roles';
import { pickLang } from '../i18n';
import { renderPage } from '../render';
import { csrfTokenValid } from '../auth/csrf';
import { clockNow } from '../services/clock';

export interface TrainingPagesOptions {
  /** Evidence photos go to `<dataDir>/evidence/`. */
  dataDir: string;
}

/** Evidence photos: these types only, recognised by their first bytes (not the name or the browser's claim). */
export const EVIDENCE_MAX_BYTES = 5 * 1024 * 1024;
const EVIDENCE_TYPES: Array<{ mime: string; ext: string; test: (b: Buffer) => boolean }> = [
  { mime: 'image/jpeg', ext: 'jpg', test: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mime: 'image/png', ext: 'png', test: (b) => b.length > 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { mime: 'image/webp', ext: 'webp', test: (b) => b.length > 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];
const EVIDENCE_NAME = /^[a-f0-9]{32}\.(jpg|png|webp)$/;
const NOTE_MAX = 2000;
const COMMENT_MAX = 1000;

export function sniffImage(buf: Buffer): { mime: string; ext: string } | undefined {
  const hit = EVIDENCE_TYPES.find((t) => t.test(buf));
  return hit ? { mime: hit.mime, ext: hit.ext } : undefined;
}

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: EVIDENCE_MAX_BYTES, files: 1, fields: 8, fieldSize: 16 * 1024, parts: 10 },
});

/** Runs multer for one optional `photo` field; resolves with the multer error code, if any. */
function parseMultipart(req: Request, res: Response): Promise<string | null> {
  return new Promise((resolve) => {
    upload.single('photo')(req, res, (err: unknown) => {
      if (!err) return resolve(null);
      resolve(err instanceof multer.MulterError ? err.code : 'BAD_MULTIPART');
    });
  });
}

const idParam = (raw: unknown): number | null => {
  const n = typeof raw === 'string' && /^\d{1,12}$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};

const cleanText = (raw: unknown, max: number): string | null | undefined => {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') return null;
  // Control characters other than line breaks and tabs are dropped, not stored.
  const s = raw.replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
  return s.length > max ? null : s;
};

const modulesById = () => new Map(getTrainingModules().map((m) => [m.id, m]));

/** One module as a person sees it on "my modules" and in the matrix. */
interface PersonModule {
  module: TrainingModule;
  status: TrainingStatus;
  open: RunRecord | undefined;
  certificate: RunRecord | undefined;
  assigned: boolean;
  dueAt: string | null;
  due: DueState;
}

function personModules(user: { id: number; role: string }, runs: RunRecord[], assignments: Awaited<ReturnType<typeof listAssignments>>, now: Date): PersonModule[] {
  return getTrainingModules().map((module) => {
    const mine = runs.filter((r) => r.userId === user.id && r.moduleId === module.id);
    const status = moduleStatus(mine, module.version, now);
    const reaching = assignments.filter((a) => a.moduleId === module.id && (a.userId === user.id || (a.userId === null && a.role === user.role)));
    const dueAt = earliestDue(reaching.map((a) => a.dueAt));
    return {
      module,
      status,
      open: openRun(mine) as RunRecord | undefined,
      certificate: latestCertificate(mine) as RunRecord | undefined,
      assigned: reaching.length > 0,
      dueAt,
      due: reaching.length ? dueState(dueAt, status, now) : 'none',
    };
  });
}

function canSeeRun(req: Request, run: RunRecord): boolean {
  return !!req.user && (run.userId === req.user.id || hasRole(req.user, 'supervisor'));
}

const dateOnly = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '');

function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  // Spreadsheet formula injection: a cell starting with = + - @ is read as text.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function trainingPages(db: Db, opts: TrainingPagesOptions): Router {
  const r = Router();
  const evidenceDir = path.join(opts.dataDir, 'evidence');

  // ---- Staff: my modules --------------------------------------------------------------------
  r.get('/training', requireRole('staff'), async (req, res) => {
    const user = req.user!;
    const now = clockNow();
    const [runs, assignments] = await Promise.all([listRuns(db, { userIds: [user.id] }), assignmentsFor(db, user)]);
    const rows = personModules(user, runs, assignments, now);
    const lang = pickLang(req);
    const view = rows.map((p) => {
      const relevant = p.assigned || (p.module.audience as string[]).includes(user.role) || p.status !== 'not_started';
      return {
        id: p.module.id,
        title: localize(p.module.title, lang),
        steps: p.module.steps.join(', '),
        minutes: p.module.estimatedMinutes,
        status: p.status,
        assigned: p.assigned,
        dueAt: dateOnly(p.dueAt),
        due: p.due,
        expiresAt: dateOnly(p.certificate?.expiresAt),
        relevant,
        urgency: urgency(p.status, p.due),
      };
    });
    const todo = view.filter((v) => v.relevant && !['certified'].includes(v.status)).sort((a, b) => a.urgency - b.urgency || a.title.localeCompare(b.title));
    const done = view.filter((v) => v.relevant && v.status === 'certified');
    const other = view.filter((v) => !v.relevant);
    await renderPage(req, res, 'training/index', { todo, done, other });
  });

  // ---- Module overview ----------------------------------------------------------------------
  r.get('/training/modules/:id', requireRole('staff'), async (req, res) => {
    const module = findTrainingModule(String(req.params.id));
    if (!module) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    const user = req.user!;
    const now = clockNow();
    const lang = pickLang(req);
    const runs = await listRuns(db, { userIds: [user.id], moduleId: module.id });
    const status = moduleStatus(runs, module.version, now);
    const cert = latestCertificate(runs) as RunRecord | undefined;
    const open = openRun(runs) as RunRecord | undefined;
    const newChanges = status === 'needs_reacknowledge' && cert ? changesSince(module.changes, certifiedVersion(cert)) : [];
    await renderPage(req, res, 'training/module', {
      module: {
        id: module.id,
        version: module.version,
        title: localize(module.title, lang),
        summary: localize(module.summary, lang),
        steps: module.steps.join(', '),
        audience: module.audience,
        validityDays: module.validityDays,
        minutes: module.estimatedMinutes,
        passPercent: Math.round(module.quiz.passMark * 100),
        questions: module.quiz.questions.length,
        items: module.items.map((it) => ({ id: it.id, step: it.step, text: localize(it.text, lang), detail: it.detail ? localize(it.detail, lang) : '', requires: it.requires })),
        changes: [...module.changes].sort((a, b) => b.version - a.version).map((c) => ({ version: c.version, summary: localize(c.summary, lang) })),
      },
      status,
      openRunId: open?.id ?? null,
      certificate: cert ? { id: cert.id, version: certifiedVersion(cert), signedOffAt: dateOnly(cert.signedOffAt), expiresAt: dateOnly(cert.expiresAt), signedOffBy: cert.signedOffBy } : null,
      newChanges: newChanges.map((c) => ({ version: c.version, summary: localize(c.summary, lang) })),
      notice: req.query.done === 'acknowledged' ? 'training.acknowledged' : null,
    });
  });

  r.post('/training/modules/:id/start', requireRole('staff'), async (req, res) => {
    const module = findTrainingModule(String(req.params.id));
    if (!module) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    const { run, created } = await startOrResumeRun(db, { userId: req.user!.id, module, now: clockNow() });
    if (created) await recordAudit(db, { actor: req.user!.username, action: 'training.start', subject: `training_run:${run.id}`, data: { moduleId: module.id, version: module.version } });
    res.redirect(303, `/training/runs/${run.id}`);
  });

  // Trainual-style re-acknowledgement: the holder read the changes; the certificate covers the new version.
  r.post('/training/modules/:id/acknowledge', requireRole('staff'), async (req, res) => {
    const module = findTrainingModule(String(req.params.id));
    if (!module) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    const runs = await listRuns(db, { userIds: [req.user!.id], moduleId: module.id });
    const status = moduleStatus(runs, module.version, clockNow());
    const cert = latestCertificate(runs);
    if (status !== 'needs_reacknowledge' || !cert) {
      return renderPage(req, res, 'error', { messageKey: 'training.error.nothingToAcknowledge' }, 409);
    }
    await acknowledgeVersion(db, cert.id, module.version, clockNow());
    await recordAudit(db, { actor: req.user!.username, action: 'training.acknowledge', subject: `training_run:${cert.id}`, data: { moduleId: module.id, from: certifiedVersion(cert), to: module.version } });
    res.redirect(303, `/training/modules/${module.id}?done=acknowledged`);
  });

  // ---- A run --------------------------------------------------------------------------------
  async function loadRun(req: Request, res: Response) {
    const id = idParam(req.params.id);
    const run = id ? await getRun(db, id) : undefined;
    if (!run || !canSeeRun(req, run)) {
      // Another person's run is "not found" to staff, so run ids reveal nothing.
      await renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
      return undefined;
    }
    return run;
  }

  async function renderRun(req: Request, res: Response, run: NonNullable<Awaited<ReturnType<typeof getRun>>>, extra: { itemErrors?: Record<string, string>; submitError?: boolean; status?: number; printView?: boolean } = {}) {
    const lang = pickLang(req);
    const module = run.module;
    const [items, attempts, owner] = await Promise.all([listRunItems(db, run.id), listQuizAttempts(db, run.id), getUser(db, run.userId)]);
    const byId = new Map<string, RunItemRecord>(items.map((i) => [i.itemId, i]));
    const progress = progressOf(module.items, items);
    const check = canSubmit(module, items, run.quizPassed);
    const last = attempts[attempts.length - 1];
    const isOwner = req.user!.id === run.userId;
    const editable = isOwner && (run.status === 'in_progress' || run.status === 'sent_back');
    const current = findTrainingModule(module.id);
    await renderPage(
      req,
      res,
      extra.printView ? 'training/print' : 'training/run',
      {
        run: { id: run.id, status: run.status, version: run.moduleVersion, comment: run.comment, signedOffBy: run.signedOffBy, signedOffAt: dateOnly(run.signedOffAt), submittedAt: dateOnly(run.submittedAt), expiresAt: dateOnly(run.expiresAt), startedAt: dateOnly(run.startedAt) },
        owner: owner ? { displayName: owner.displayName, username: owner.username } : { displayName: '?', username: '?' },
        module: { id: module.id, title: localize(module.title, lang), version: module.version, currentVersion: current?.version ?? module.version, passPercent: Math.round(module.quiz.passMark * 100) },
        items: module.items.map((it) => {
          const st = byId.get(it.id);
          return {
            id: it.id,
            step: it.step,
            text: localize(it.text, lang),
            detail: it.detail ? localize(it.detail, lang) : '',
            requires: it.requires,
            done: !!st && st.done && missingEvidence(it, st) === null,
            note: st?.note ?? '',
            hasEvidence: !!st?.evidencePath,
            error: extra.itemErrors?.[it.id] ?? null,
          };
        }),
        questions: module.quiz.questions.map((q) => ({
          id: q.id,
          step: q.step,
          question: localize(q.question, lang),
          options: q.options.map((o) => localize(o, lang)),
          explanation: localize(q.explanation, lang),
          wrongLast: !!last && !last.passed && last.answers[q.id] !== q.answer,
          chosen: last ? last.answers[q.id] : undefined,
        })),
        quiz: { passed: run.quizPassed, attempts: attempts.length, last: last ? { correct: last.correct, total: last.total, passed: last.passed } : null },
        progress,
        check,
        editable,
        isOwner,
        canSignOff: run.status === 'submitted' && hasRole(req.user, 'supervisor') && !isOwner,
        submitError: !!extra.submitError,
        notice: typeof req.query.saved === 'string' && /^[a-z0-9-]{1,100}$/.test(req.query.saved) ? 'training.saved' : null,
      },
      extra.status ?? 200,
    );
  }

  r.get('/training/runs/:id', requireRole('staff'), async (req, res) => {
    const run = await loadRun(req, res);
    if (run) await renderRun(req, res, run);
  });

  r.get('/training/runs/:id/print', requireRole('staff'), async (req, res) => {
    const run = await loadRun(req, res);
    if (run) await renderRun(req, res, run, { printView: true });
  });

  // One checklist item: tick / untick, its note, its evidence photo. Saved at once; a plain form
  // post (urlencoded, or multipart when the item takes a photo) so it works without JavaScript.
  r.post('/training/runs/:id/items/:itemId', requireRole('staff'), async (req, res) => {
    // Who may upload is checked before the upload is read (multer runs only for the run's owner).
    const run = await loadRun(req, res);
    if (!run) return;
    const item = run.module.items.find((it) => it.id === req.params.itemId);
    if (!item) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    if (run.userId !== req.user!.id) return renderPage(req, res, 'error', { messageKey: 'training.error.notYours' }, 403);
    if (run.status !== 'in_progress' && run.status !== 'sent_back') return renderRun(req, res, run, { itemErrors: { [item.id]: 'training.error.closed' }, status: 409 });
    let multerError: string | null = null;
    if (req.is('multipart/form-data')) {
      multerError = await parseMultipart(req, res);
      // The CSRF check deferred for this multipart form (web/auth/csrf.ts): the token is a form field.
      if (!multerError && !csrfTokenValid(req)) {
        res.set('Cache-Control', 'no-store');
        return renderPage(req, res, 'auth/denied', { titleKey: 'csrf.title', messageKey: 'csrf.message', showLogin: false }, 403);
      }
    }
    if (multerError) {
      const key = multerError === 'LIMIT_FILE_SIZE' ? 'training.error.tooBig' : 'training.error.badUpload';
      return renderRun(req, res, run, { itemErrors: { [item.id]: key }, status: multerError === 'LIMIT_FILE_SIZE' ? 413 : 400 });
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const action = body.action === 'undo' ? 'undo' : body.action === 'save' ? 'save' : 'done';
    const note = cleanText(body.note, NOTE_MAX);
    if (note === null) return renderRun(req, res, run, { itemErrors: { [item.id]: 'training.error.noteTooLong' }, status: 400 });
    const file = (req as Request & { file?: Express.Multer.File }).file;
    let photo: { mime: string; ext: string; buffer: Buffer } | undefined;
    if (file && file.size > 0) {
      if (item.requires !== 'photo') return renderRun(req, res, run, { itemErrors: { [item.id]: 'training.error.badUpload' }, status: 400 });
      const kind = sniffImage(file.buffer);
      if (!kind) return renderRun(req, res, run, { itemErrors: { [item.id]: 'training.error.badType' }, status: 415 });
      // Stored without EXIF/GPS, XMP or comments (adapters/images/strip-metadata.ts); a malformed file is refused.
      const clean = stripImageMetadata(file.buffer, kind.mime);
      if (!clean) return renderRun(req, res, run, { itemErrors: { [item.id]: 'training.error.badUpload' }, status: 400 });
      photo = { ...kind, buffer: clean };
    }
    const existing = await getRunItem(db, run.id, item.id);
    if (action === 'done') {
      const missing = missingEvidence(item, { note: note ?? existing?.note, evidencePath: photo ? 'new' : existing?.evidencePath });
      if (missing) return renderRun(req, res, run, { itemErrors: { [item.id]: missing === 'note' ? 'training.error.noteRequired' : 'training.error.photoRequired' }, status: 400 });
    }
    let evidencePath: string | undefined;
    if (photo) {
      evidencePath = `${crypto.randomBytes(16).toString('hex')}.${photo.ext}`;
      fs.mkdirSync(evidenceDir, { recursive: true });
      fs.writeFileSync(path.join(evidenceDir, evidencePath), photo.buffer, { flag: 'wx', mode: 0o600 });
    }
    const saved = await saveRunItem(db, run.id, item.id, {
      done: action === 'save' ? undefined : action === 'done',
      note: note === undefined ? undefined : note || null,
      evidencePath,
      evidenceMime: photo?.mime,
      now: clockNow(),
    });
    if (!saved) {
      if (evidencePath) fs.rmSync(path.join(evidenceDir, evidencePath), { force: true });
      return renderRun(req, res, run, { itemErrors: { [item.id]: 'training.error.closed' }, status: 409 });
    }
    // The replaced photo is no longer evidence of anything: remove it.
    if (evidencePath && existing?.evidencePath && EVIDENCE_NAME.test(existing.evidencePath)) fs.rmSync(path.join(evidenceDir, existing.evidencePath), { force: true });
    res.redirect(303, `/training/runs/${run.id}?saved=${item.id}#item-${item.id}`);
  });

  // Evidence photos: only to people who may see the run; never from a path the request names.
  r.get('/training/runs/:id/items/:itemId/evidence', requireRole('staff'), async (req, res) => {
    const run = await loadRun(req, res);
    if (!run) return;
    const st = await getRunItem(db, run.id, String(req.params.itemId));
    if (!st?.evidencePath || !EVIDENCE_NAME.test(st.evidencePath) || !st.evidenceMime) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    const file = path.join(evidenceDir, st.evidencePath);
    if (!fs.existsSync(file)) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    res.set('Cache-Control', 'private, no-store');
    res.set('Content-Disposition', 'inline');
    res.type(st.evidenceMime);
    res.send(fs.readFileSync(file));
  });

  r.post('/training/runs/:id/quiz', requireRole('staff'), async (req, res) => {
    const run = await loadRun(req, res);
    if (!run) return;
    if (run.userId !== req.user!.id) return renderPage(req, res, 'error', { messageKey: 'training.error.notYours' }, 403);
    if ((run.status !== 'in_progress' && run.status !== 'sent_back') || run.quizPassed) return renderRun(req, res, run, { status: 409 });
    const body = (req.body ?? {}) as Record<string, unknown>;
    const answers: Record<string, number> = {};
    for (const q of run.module.quiz.questions) {
      const raw = body[`q_${q.id}`];
      if (typeof raw === 'string' && /^\d$/.test(raw) && Number(raw) < q.options.length) answers[q.id] = Number(raw);
    }
    const result = scoreQuiz(run.module.quiz, answers);
    await recordQuizAttempt(db, run.id, { answers, correct: result.correct, total: result.total, score: result.score, passed: result.passed, now: clockNow() });
    res.redirect(303, `/training/runs/${run.id}#quiz`);
  });

  // "Stop task": nothing goes to a supervisor until every item is done and the quiz is passed.
  r.post('/training/runs/:id/submit', requireRole('staff'), async (req, res) => {
    const run = await loadRun(req, res);
    if (!run) return;
    if (run.userId !== req.user!.id) return renderPage(req, res, 'error', { messageKey: 'training.error.notYours' }, 403);
    const items = await listRunItems(db, run.id);
    if (!canSubmit(run.module, items, run.quizPassed).ok) return renderRun(req, res, run, { submitError: true, status: 409 });
    if (!(await submitRun(db, run.id, clockNow()))) return renderRun(req, res, run, { status: 409 });
    await recordAudit(db, { actor: req.user!.username, action: 'training.submit', subject: `training_run:${run.id}`, data: { moduleId: run.moduleId, version: run.moduleVersion } });
    res.redirect(303, `/training/runs/${run.id}`);
  });

  // ---- Supervisors ---------------------------------------------------------------------------
  r.post('/training/runs/:id/sign-off', requireRole('supervisor'), async (req, res) => {
    const run = await loadRun(req, res);
    if (!run) return;
    // Four eyes: nobody certifies themselves.
    if (run.userId === req.user!.id) return renderPage(req, res, 'error', { messageKey: 'training.error.ownRun' }, 403);
    const comment = cleanText((req.body ?? {}).comment, COMMENT_MAX);
    if (comment === null) return renderRun(req, res, run, { status: 400 });
    const items = await listRunItems(db, run.id);
    if (!canSubmit(run.module, items, run.quizPassed).ok) return renderRun(req, res, run, { submitError: true, status: 409 });
    const now = clockNow();
    const validityDays = findTrainingModule(run.moduleId)?.validityDays ?? run.module.validityDays;
    const expiresAt = expiryFor(now, validityDays);
    if (!(await signOffRun(db, run.id, { by: req.user!.username, comment: comment || null, now, expiresAt }))) return renderRun(req, res, run, { status: 409 });
    await recordAudit(db, { actor: req.user!.username, action: 'training.sign_off', subject: `training_run:${run.id}`, reason: comment || null, data: { userId: run.userId, moduleId: run.moduleId, version: run.moduleVersion, expiresAt: expiresAt.toISOString() } });
    res.redirect(303, '/training/team?done=signed_off');
  });

  r.post('/training/runs/:id/send-back', requireRole('supervisor'), async (req, res) => {
    const run = await loadRun(req, res);
    if (!run) return;
    if (run.userId === req.user!.id) return renderPage(req, res, 'error', { messageKey: 'training.error.ownRun' }, 403);
    const comment = cleanText((req.body ?? {}).comment, COMMENT_MAX);
    if (!comment) return renderRun(req, res, run, { status: 400, itemErrors: {}, submitError: false });
    if (!(await sendBackRun(db, run.id, { by: req.user!.username, comment, now: clockNow() }))) return renderRun(req, res, run, { status: 409 });
    await recordAudit(db, { actor: req.user!.username, action: 'training.send_back', subject: `training_run:${run.id}`, reason: comment, data: { userId: run.userId, moduleId: run.moduleId } });
    res.redirect(303, '/training/team?done=sent_back');
  });

  async function matrix(req: Request) {
    const now = clockNow();
    const lang = pickLang(req);
    const [users, runs, assignments] = await Promise.all([listUsers(db), listRuns(db), listAssignments(db)]);
    const q = req.query;
    const roleFilter = typeof q.role === 'string' && isRole(q.role) ? q.role : '';
    const moduleFilter = typeof q.module === 'string' && findTrainingModule(q.module) ? q.module : '';
    const statusFilter = typeof q.status === 'string' && (TRAINING_STATUSES as readonly string[]).includes(q.status) ? (q.status as TrainingStatus) : '';
    const modules = getTrainingModules().filter((m) => !moduleFilter || m.id === moduleFilter);
    const people = users
      .filter((u) => u.active && (!roleFilter || u.role === roleFilter))
      .map((u: UserRecord) => {
        const cells = personModules(u, runs, assignments, now)
          .filter((p) => modules.includes(p.module))
          .map((p) => ({
            moduleId: p.module.id,
            moduleVersion: p.module.version,
            status: p.status,
            // Not assigned, not for their role and never started: shown as "not required".
            required: p.assigned || (p.module.audience as string[]).includes(u.role) || p.status !== 'not_started',
            dueAt: dateOnly(p.dueAt),
            due: p.due,
            certifiedAt: dateOnly(p.certificate?.signedOffAt),
            expiresAt: dateOnly(p.certificate?.expiresAt),
            certifiedVersion: p.certificate ? certifiedVersion(p.certificate) : null,
            // The run a supervisor would open from this cell: the one in progress, else the certificate's.
            runId: (p.open ?? p.certificate)?.id ?? null,
          }));
        return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, cells };
      })
      .filter((p) => !statusFilter || p.cells.some((c) => c.status === statusFilter));
    return {
      now,
      people,
      modules: modules.map((m) => ({ id: m.id, title: localize(m.title, lang), version: m.version })),
      allModules: getTrainingModules().map((m) => ({ id: m.id, title: localize(m.title, lang) })),
      users: users.filter((u) => u.active),
      runs,
      filters: { role: roleFilter, module: moduleFilter, status: statusFilter },
    };
  }

  r.get('/training/team', requireRole('supervisor'), async (req, res) => {
    const m = await matrix(req);
    const lang = pickLang(req);
    const byId = modulesById();
    const usersById = new Map(m.users.map((u) => [u.id, u]));
    const queue = m.runs
      .filter((run) => run.status === 'submitted')
      .map((run) => ({
        id: run.id,
        person: usersById.get(run.userId)?.displayName ?? String(run.userId),
        own: run.userId === req.user!.id,
        module: byId.get(run.moduleId) ? localize(byId.get(run.moduleId)!.title, lang) : run.moduleId,
        version: run.moduleVersion,
        submittedAt: (run.submittedAt ?? '').replace('T', ' ').slice(0, 16),
      }));
    const done = req.query.done;
    const notice = done === 'signed_off' ? 'training.signedOff' : done === 'sent_back' ? 'training.sentBack' : done === 'assigned' ? 'training.assigned' : null;
    await renderPage(req, res, 'training/team', {
      people: m.people,
      modules: m.modules,
      allModules: m.allModules,
      users: m.users.map((u) => ({ id: u.id, displayName: u.displayName, username: u.username })),
      statuses: TRAINING_STATUSES,
      filters: m.filters,
      queue,
      notice,
      assignError: null,
      today: m.now.toISOString().slice(0, 10),
    });
  });

  r.get('/training/team.csv', requireRole('supervisor'), async (req, res) => {
    const m = await matrix(req);
    const header = ['username', 'name', 'role', 'module', 'module_version', 'status', 'required', 'due', 'due_state', 'certified_at', 'certified_version', 'expires_at'];
    const lines = [header.join(',')];
    for (const p of m.people) {
      for (const c of p.cells) {
        lines.push([p.username, p.displayName, p.role, c.moduleId, c.moduleVersion, c.status, c.required ? 'yes' : 'no', c.dueAt, c.due, c.certifiedAt, c.certifiedVersion ?? '', c.expiresAt].map(csvCell).join(','));
      }
    }
    res.set('Content-Disposition', `attachment; filename="training-matrix-${m.now.toISOString().slice(0, 10)}.csv"`);
    res.type('text/csv; charset=utf-8').send(`\ufeff${lines.join('\r\n')}\r\n`);
  });

  // Assign a module to one person or to a role, optionally by a due date (Process Street-style due dates by role).
  r.post('/training/assign', requireRole('supervisor'), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const module = typeof body.module === 'string' ? findTrainingModule(body.module) : undefined;
    const target = typeof body.target === 'string' ? body.target : '';
    const dueRaw = typeof body.due === 'string' ? body.due.trim() : '';
    let userId: number | null = null;
    let role: string | null = null;
    const userMatch = /^user:(\d{1,12})$/.exec(target);
    const roleMatch = /^role:(\w+)$/.exec(target);
    if (userMatch) {
      const u = await getUser(db, Number(userMatch[1]));
      if (u?.active) userId = u.id;
    } else if (roleMatch && isRole(roleMatch[1])) role = roleMatch[1];
    // A due date is a calendar day; it falls due at the end of that day, China time (UTC+8).
    const dueOk = dueRaw === '' || (/^\d{4}-\d{2}-\d{2}$/.test(dueRaw) && Number.isFinite(Date.parse(`${dueRaw}T23:59:59+08:00`)));
    if (!module || (userId === null && role === null) || !dueOk) {
      res.status(400);
      const m = await matrix(req);
      return renderPage(req, res, 'training/team', {
        people: m.people, modules: m.modules, allModules: m.allModules,
        users: m.users.map((u) => ({ id: u.id, displayName: u.displayName, username: u.username })),
        statuses: TRAINING_STATUSES, filters: m.filters, queue: [], notice: null, assignError: 'training.error.assign', today: m.now.toISOString().slice(0, 10),
      }, 400);
    }
    const dueAt = dueRaw ? new Date(`${dueRaw}T23:59:59+08:00`) : null;
    const id = await createAssignment(db, { moduleId: module.id, userId, role, dueAt, assignedBy: req.user!.username, now: clockNow() });
    await recordAudit(db, { actor: req.user!.username, action: 'training.assign', subject: userId ? `user:${userId}` : `role:${role}`, data: { assignmentId: id, moduleId: module.id, dueAt: dueAt?.toISOString() ?? null } });
    res.redirect(303, '/training/team?done=assigned');
  });

  return r;
}
