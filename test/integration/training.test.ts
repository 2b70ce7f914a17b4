/**
 * Staff training pages (P4.3, issue #5) over real forms: ticking with notes and photos, upload
 * checks, the quiz, submit blocked until complete, sign-off and send-back, the team matrix and CSV,
 * assignments, versions with re-acknowledgement, expiry by a moved clock, both languages.
 */
import fs from 'node:fs';
import { createHarness, Harness, signIn, SignedIn } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { findTrainingModule, getTrainingModules, localize, setTrainingModules, TrainingModule } from '../../training/content';
import { resetClock, setClockOffsetForTests } from '../../web/services/clock';
import { completeModule, correctAnswers, escapeHtml, makePng, runIdFrom, withEvidenceDir } from './training-helpers';

const MODULE = 'order-confirmation';
const DAY = 24 * 3600 * 1000;

let base: Harness;
let h: Harness;
let evidenceDir: string;
let staff: SignedIn;
let supervisor: SignedIn;

beforeAll(async () => {
  base = await createHarness({ worker: false });
  ({ h, evidenceDir } = withEvidenceDir(base, 'pages'));
  staff = await signIn(h, 'staff', { displayName: '李娜' });
  supervisor = await signIn(h, 'supervisor', { displayName: '王主管' });
});

afterAll(async () => {
  setTrainingModules(undefined);
  resetClock();
  try {
    await expectLedgerHolds(base);
  } finally {
    await base.close();
  }
});

const evidenceFiles = () => (fs.existsSync(evidenceDir) ? fs.readdirSync(evidenceDir) : []);
const cellStatus = (html: string, username: string, moduleId: string): string | undefined => {
  const row = new RegExp(`<tr data-user="${username}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
  return new RegExp(`data-module="${moduleId}" data-status="([a-z_]+)"`).exec(row)?.[1];
};

describe('a run of a module', () => {
  const module = () => findTrainingModule(MODULE)!;
  let runId: number;

  it('my modules lists the module for staff, with the header link', async () => {
    const res = await staff.agent.get('/training').set('Cookie', 'lang=en');
    expect(res.status).toBe(200);
    expect(res.text).toContain('href="/training"');
    expect(res.text).toContain(escapeHtml(module().title.en));
    expect(res.text).toContain('Not started');
  });

  it('start creates a run on the current version; starting again resumes it', async () => {
    const first = await staff.post(`/training/modules/${MODULE}/start`);
    expect(first.status).toBe(303);
    runId = runIdFrom(first.headers.location);
    const again = await staff.post(`/training/modules/${MODULE}/start`);
    expect(runIdFrom(again.headers.location)).toBe(runId);
    const row = await h.db('training_runs').where({ id: runId }).first();
    expect(row.module_version).toBe(module().version);
    expect(row.status).toBe('in_progress');
    const page = await staff.agent.get(`/training/runs/${runId}`).set('Cookie', 'lang=en');
    expect(page.text).toContain(`0 of ${module().items.length} done`);
    expect(page.text).toMatch(/<progress max="\d+" value="0"/);
  });

  it('ticks an item at once and unticks it', async () => {
    const item = module().items.find((i) => i.requires === 'none')!;
    const res = await staff.post(`/training/runs/${runId}/items/${item.id}`, { action: 'done' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toContain(`#item-${item.id}`);
    expect((await h.db('training_run_items').where({ run_id: runId, item_id: item.id }).first()).done).toBeTruthy();
    await staff.post(`/training/runs/${runId}/items/${item.id}`, { action: 'undo' });
    expect((await h.db('training_run_items').where({ run_id: runId, item_id: item.id }).first()).done).toBeFalsy();
  });

  it('an item that requires a note refuses a tick without one (400, nothing written)', async () => {
    const item = module().items.find((i) => i.requires === 'note')!;
    const res = await staff.post(`/training/runs/${runId}/items/${item.id}`, { action: 'done', note: '   ' });
    expect(res.status).toBe(400);
    expect(await h.db('training_run_items').where({ run_id: runId, item_id: item.id }).first()).toBeUndefined();
    const ok = await staff.post(`/training/runs/${runId}/items/${item.id}`, { action: 'done', note: '核对了发货单和地址' });
    expect(ok.status).toBe(303);
    expect((await h.db('training_run_items').where({ run_id: runId, item_id: item.id }).first()).note).toBe('核对了发货单和地址');
  });

  it('a photo item refuses the wrong type and a too big file (4xx, nothing written), accepts a PNG', async () => {
    const item = module().items.find((i) => i.requires === 'photo')!;
    const url = `/training/runs/${runId}/items/${item.id}`;
    const before = evidenceFiles().length;

    const noPhoto = await staff.agent.post(url).field('_csrf', staff.csrfToken).field('action', 'done');
    expect(noPhoto.status).toBe(400);

    // A text file calling itself a PNG: the first bytes decide.
    const fake = await staff.agent.post(url).field('_csrf', staff.csrfToken).field('action', 'done').attach('photo', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), { filename: 'x.png', contentType: 'image/png' });
    expect(fake.status).toBe(415);

    const big = Buffer.concat([makePng(), Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = await staff.agent.post(url).field('_csrf', staff.csrfToken).field('action', 'done').attach('photo', big, { filename: 'big.png', contentType: 'image/png' });
    expect(tooBig.status).toBe(413);

    // Without the CSRF token (a form field; never in the URL) the multipart form is refused.
    const noCsrf = await staff.agent.post(`/training/runs/${runId}/items/${item.id}`).field('action', 'done').attach('photo', makePng(), { filename: 'p.png', contentType: 'image/png' });
    expect(noCsrf.status).toBe(403);
    const inUrl = await staff.agent.post(`${url}?_csrf=${encodeURIComponent(staff.csrfToken)}`).field('action', 'done').attach('photo', makePng(), { filename: 'p.png', contentType: 'image/png' });
    expect(inUrl.status).toBe(403); // the token in the URL is no longer accepted
    // Someone else's run: refused before the upload is read (404 as for any run that is not theirs, not the 413 of reading 5 MB).
    const stranger = await signIn(h, 'staff');
    const notYours = await stranger.agent.post(url).field('_csrf', stranger.csrfToken).field('action', 'done').attach('photo', big, { filename: 'big.png', contentType: 'image/png' });
    expect(notYours.status).toBe(404);

    expect(evidenceFiles().length).toBe(before);
    expect(await h.db('training_run_items').where({ run_id: runId, item_id: item.id }).first()).toBeUndefined();

    // A photo with EXIF (GPS position) is stored without it.
    const png = makePng();
    const exif = Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from('eXIf'), Buffer.from('MM\0*GPS 31.23N121.47'), Buffer.alloc(4)]);
    const withGps = Buffer.concat([png.subarray(0, png.length - 12), exif, png.subarray(png.length - 12)]);
    const ok = await staff.agent.post(url).field('_csrf', staff.csrfToken).field('action', 'done').attach('photo', withGps, { filename: '../../etc/passwd.png', contentType: 'image/png' });
    expect(ok.status).toBe(303);
    const row = await h.db('training_run_items').where({ run_id: runId, item_id: item.id }).first();
    expect(row.evidence_mime).toBe('image/png');
    expect(row.evidence_path).toMatch(/^[a-f0-9]{32}\.png$/);
    expect(evidenceFiles()).toContain(row.evidence_path);

    // Served to the owner and to supervisors; another staff member gets 404.
    const own = await staff.agent.get(`/training/runs/${runId}/items/${item.id}/evidence`);
    expect(own.status).toBe(200);
    expect(own.headers['content-type']).toMatch(/^image\/png/);
    expect(Buffer.from(own.body).subarray(0, 4).toString('latin1')).toBe('\x89PNG');
    expect(Buffer.from(own.body).toString('latin1')).not.toContain('GPS');
    expect(Buffer.from(own.body)).toEqual(png);
    expect((await supervisor.agent.get(`/training/runs/${runId}/items/${item.id}/evidence`)).status).toBe(200);
    const other = await signIn(h, 'staff');
    expect((await other.agent.get(`/training/runs/${runId}/items/${item.id}/evidence`)).status).toBe(404);
    expect((await other.agent.get(`/training/runs/${runId}`)).status).toBe(404);
    expect((await other.post(`/training/runs/${runId}/items/${module().items[0].id}`, { action: 'done' })).status).toBe(404);
  });

  it('submitting is blocked until every item is done and the quiz is passed', async () => {
    const res = await staff.post(`/training/runs/${runId}/submit`);
    expect(res.status).toBe(409);
    expect((await h.db('training_runs').where({ id: runId }).first()).status).toBe('in_progress');
    for (const it of module().items.filter((i) => i.requires === 'none')) {
      expect((await staff.post(`/training/runs/${runId}/items/${it.id}`, { action: 'done' })).status).toBe(303);
    }
    for (const it of module().items.filter((i) => i.requires === 'note')) {
      expect((await staff.post(`/training/runs/${runId}/items/${it.id}`, { action: 'done', note: 'ok' })).status).toBe(303);
    }
    for (const it of module().items.filter((i) => i.requires === 'photo')) {
      const url = `/training/runs/${runId}/items/${it.id}`;
      expect((await staff.agent.post(url).field('_csrf', staff.csrfToken).field('action', 'done').attach('photo', makePng(), { filename: 'p.png', contentType: 'image/png' })).status).toBe(303);
    }
    const page = await staff.agent.get(`/training/runs/${runId}`).set('Cookie', 'lang=en');
    expect(page.text).toContain(`${module().items.length} of ${module().items.length} done`);
    expect(page.text).toContain('the quiz is not passed yet');
    expect((await staff.post(`/training/runs/${runId}/submit`)).status).toBe(409);
  });

  it('the quiz: a failed attempt is recorded and can be retaken; passing unlocks submitting', async () => {
    const wrong = Object.fromEntries(module().quiz.questions.map((q) => [`q_${q.id}`, String((q.answer + 1) % q.options.length)]));
    expect((await staff.post(`/training/runs/${runId}/quiz`, wrong)).status).toBe(303);
    let run = await h.db('training_runs').where({ id: runId }).first();
    expect(run.quiz_passed).toBeFalsy();
    expect(Number(run.quiz_score)).toBe(0);
    const failedPage = await staff.agent.get(`/training/runs/${runId}`).set('Cookie', 'lang=en');
    expect(failedPage.text).toContain(`Not passed: 0 of ${module().quiz.questions.length} right`);

    expect((await staff.post(`/training/runs/${runId}/quiz`, correctAnswers(module()))).status).toBe(303);
    run = await h.db('training_runs').where({ id: runId }).first();
    expect(run.quiz_passed).toBeTruthy();
    expect(Number(run.quiz_score)).toBe(1);
    expect(Number((await h.db('training_quiz_attempts').where({ run_id: runId }).count({ n: '*' }))[0].n)).toBe(2);
    // Passed: no further attempts.
    expect((await staff.post(`/training/runs/${runId}/quiz`, wrong)).status).toBe(409);

    expect((await staff.post(`/training/runs/${runId}/submit`)).status).toBe(303);
    expect((await h.db('training_runs').where({ id: runId }).first()).status).toBe('submitted');
    // Submitted runs no longer change.
    expect((await staff.post(`/training/runs/${runId}/items/${module().items[0].id}`, { action: 'undo' })).status).toBe(409);
  });

  it('the printable checklist has signature and date lines', async () => {
    const res = await staff.agent.get(`/training/runs/${runId}/print`).set('Cookie', 'lang=en');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Trainee signature');
    expect(res.text).toContain('Supervisor signature');
    expect(res.text.match(/class="sig-line"/g)).toHaveLength(4);
  });

  it('send back needs a comment; staff may not sign off; the person fixes and resubmits', async () => {
    expect((await staff.post(`/training/runs/${runId}/sign-off`)).status).toBe(403);
    const queue = await supervisor.agent.get('/training/team');
    expect(queue.text).toContain(`/training/runs/${runId}`);
    expect((await supervisor.post(`/training/runs/${runId}/send-back`, { comment: '' })).status).toBe(400);
    const back = await supervisor.post(`/training/runs/${runId}/send-back`, { comment: '照片看不清,请重拍' });
    expect(back.status).toBe(303);
    expect((await h.db('training_runs').where({ id: runId }).first()).status).toBe('sent_back');
    const page = await staff.agent.get(`/training/runs/${runId}`);
    expect(page.text).toContain('照片看不清,请重拍');
    const item = module().items.find((i) => i.requires === 'photo')!;
    const url = `/training/runs/${runId}/items/${item.id}`;
    expect((await staff.agent.post(url).field('_csrf', staff.csrfToken).field('action', 'save').attach('photo', makePng(8, 8), { filename: 'again.png', contentType: 'image/png' })).status).toBe(303);
    expect((await staff.post(`/training/runs/${runId}/submit`)).status).toBe(303);
    const audit = await h.db('audit_log').where({ action: 'training.send_back' });
    expect(audit).toHaveLength(1);
    expect(audit[0].reason).toBe('照片看不清,请重拍');
  });

  it('a supervisor signs off (audited); the matrix shows certified; the CSV too', async () => {
    const res = await supervisor.post(`/training/runs/${runId}/sign-off`, { comment: '好' });
    expect(res.status).toBe(303);
    const run = await h.db('training_runs').where({ id: runId }).first();
    expect(run.status).toBe('certified');
    expect(run.signed_off_by).toBe(supervisor.user.username);
    const expires = Date.parse(new Date(run.expires_at).toISOString());
    const signed = Date.parse(new Date(run.signed_off_at).toISOString());
    expect(expires - signed).toBe(module().validityDays * DAY);
    expect(await h.db('audit_log').where({ action: 'training.sign_off', actor: supervisor.user.username })).toHaveLength(1);
    // Signing off twice: the second is refused.
    expect((await supervisor.post(`/training/runs/${runId}/sign-off`)).status).toBe(409);

    const matrix = await supervisor.agent.get('/training/team');
    expect(cellStatus(matrix.text, staff.user.username, MODULE)).toBe('certified');
    // The cell opens the run with its notes and photos.
    expect(matrix.text).toContain(`<a class="cell-link" href="/training/runs/${runId}">`);
    const csv = await supervisor.agent.get(`/training/team.csv?module=${MODULE}`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const line = csv.text.split('\r\n').find((l) => l.startsWith(`${staff.user.username},`));
    expect(line).toContain(`,${MODULE},${module().version},certified,yes,`);
    // Staff see neither.
    expect((await staff.agent.get('/training/team')).status).toBe(403);
    expect((await staff.agent.get('/training/team.csv')).status).toBe(403);
  });

  it('a clock moved past the validity period shows expired, 30 days before shows expiring', async () => {
    try {
      setClockOffsetForTests((module().validityDays - 10) * DAY);
      expect(cellStatus((await supervisor.agent.get('/training/team')).text, staff.user.username, MODULE)).toBe('expiring');
      setClockOffsetForTests((module().validityDays + 1) * DAY);
      expect(cellStatus((await supervisor.agent.get('/training/team')).text, staff.user.username, MODULE)).toBe('expired');
      const filtered = await supervisor.agent.get('/training/team?status=expired');
      expect(filtered.text).toContain(`data-user="${staff.user.username}"`);
      expect(filtered.text).not.toContain(`data-user="${supervisor.user.username}"`);
      const mine = await staff.agent.get('/training').set('Cookie', 'lang=en');
      expect(mine.text).toContain('Expired');
    } finally {
      resetClock();
    }
  });

  it('nobody signs off their own run', async () => {
    const sup2 = await signIn(h, 'supervisor');
    const own = await completeModule(sup2, 'supervisor-stuck-tasks');
    expect((await sup2.post(`/training/runs/${own}/sign-off`)).status).toBe(403);
    expect((await supervisor.post(`/training/runs/${own}/sign-off`)).status).toBe(303);
  });
});

describe('assignments', () => {
  it('assigns to a role with a due date and to one person; bad input is refused', async () => {
    expect((await supervisor.post('/training/assign', { module: 'nope', target: 'role:staff', due: '' })).status).toBe(400);
    expect((await supervisor.post('/training/assign', { module: 'customer-service', target: 'role:boss', due: '' })).status).toBe(400);
    expect((await supervisor.post('/training/assign', { module: 'customer-service', target: 'role:staff', due: '31-12-2026' })).status).toBe(400);
    expect(await h.db('training_assignments')).toHaveLength(0);

    const due = new Date(Date.now() + 3 * DAY).toISOString().slice(0, 10);
    expect((await supervisor.post('/training/assign', { module: 'customer-service', target: 'role:staff', due })).status).toBe(303);
    expect((await supervisor.post('/training/assign', { module: 'shipping-carriers', target: `user:${staff.user.id}`, due: '' })).status).toBe(303);
    const rows = await h.db('training_assignments').orderBy('id');
    expect(rows.map((r) => [r.module_id, r.role, r.user_id])).toEqual([['customer-service', 'staff', null], ['shipping-carriers', null, staff.user.id]]);
    expect(await h.db('audit_log').where({ action: 'training.assign' })).toHaveLength(2);

    const mine = await staff.agent.get('/training').set('Cookie', 'lang=en');
    expect(mine.text).toContain(`${due} · due soon`);
    expect(mine.text).toContain('(assigned)');
    const matrix = await supervisor.agent.get('/training/team?module=customer-service').set('Cookie', 'lang=en');
    expect(matrix.text).toContain('due soon');
  });
});

describe('versions', () => {
  const bump = (m: TrainingModule, change: string, edit: (m: TrainingModule) => void = () => {}): TrainingModule => {
    const copy: TrainingModule = JSON.parse(JSON.stringify(m));
    copy.version = m.version + 1;
    copy.changes = [...copy.changes, { version: copy.version, summary: { zh: `变更:${change}`, en: `Changed: ${change}` } }];
    edit(copy);
    return copy;
  };
  afterEach(() => setTrainingModules(undefined));

  it('a run in progress stays on its version; certified people re-acknowledge what changed', async () => {
    const original = getTrainingModules();
    // A run in progress on picking-scheduling, then version 2 of it renames its first item.
    const start = await staff.post('/training/modules/picking-scheduling/start');
    const openRun = runIdFrom(start.headers.location);
    const oldFirst = findTrainingModule('picking-scheduling')!.items[0];
    const published = original.map((m) =>
      m.id === MODULE ? bump(m, 'new payment check') : m.id === 'picking-scheduling' ? bump(m, 'renamed item', (c) => { c.items[0] = { ...c.items[0], id: 'renamed-item', text: { zh: '新的检查项', en: 'A brand new item' } }; }) : m,
    );
    setTrainingModules(published);

    const runPage = await staff.agent.get(`/training/runs/${openRun}`).set('Cookie', 'lang=en');
    expect(runPage.text).toContain(escapeHtml(localize(oldFirst.text, 'en')));
    expect(runPage.text).not.toContain('A brand new item');
    expect(runPage.text).toContain('has been published since');
    expect((await staff.post(`/training/runs/${openRun}/items/${oldFirst.id}`, { action: 'done', note: 'n' })).status).toBe(303);

    // The certified person (earlier test) is flagged and sees the change.
    const matrix = await supervisor.agent.get('/training/team');
    expect(cellStatus(matrix.text, staff.user.username, MODULE)).toBe('needs_reacknowledge');
    const modulePage = await staff.agent.get(`/training/modules/${MODULE}`).set('Cookie', 'lang=en');
    expect(modulePage.text).toContain('Changed: new payment check');
    expect(modulePage.text).toContain('/acknowledge');

    expect((await staff.post(`/training/modules/${MODULE}/acknowledge`)).status).toBe(303);
    const after = await supervisor.agent.get('/training/team');
    expect(cellStatus(after.text, staff.user.username, MODULE)).toBe('certified');
    const run = await h.db('training_runs').where({ user_id: staff.user.id, module_id: MODULE, status: 'certified' }).first();
    expect(run.acknowledged_version).toBe(findTrainingModule(MODULE)!.version);
    expect(await h.db('audit_log').where({ action: 'training.acknowledge' })).toHaveLength(1);
    // Nothing left to acknowledge.
    expect((await staff.post(`/training/modules/${MODULE}/acknowledge`)).status).toBe(409);
  });
});

describe('both languages render every module', () => {
  it.each(['zh', 'en'] as const)('%s: overview and run pages show every module title, item and question', async (lang) => {
    const reader = await signIn(h, 'supervisor');
    for (const m of getTrainingModules()) {
      const page = await reader.agent.get(`/training/modules/${m.id}`).set('Cookie', `lang=${lang}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">`);
      expect(page.text).toContain(escapeHtml(localize(m.title, lang)));
      for (const it of m.items) expect(page.text).toContain(escapeHtml(localize(it.text, lang)));
      const start = await reader.post(`/training/modules/${m.id}/start`);
      const run = await reader.agent.get(start.headers.location).set('Cookie', `lang=${lang}`);
      expect(run.status).toBe(200);
      for (const q of m.quiz.questions) {
        expect(run.text).toContain(escapeHtml(localize(q.question, lang)));
        for (const o of q.options) expect(run.text).toContain(escapeHtml(localize(o, lang)));
      }
      const other = lang === 'zh' ? 'en' : 'zh';
      expect(page.text).not.toContain(escapeHtml(localize(m.items[0].text, other)));
      // Every message key has a text in this language (a missing one would show as "training.xyz").
      for (const html of [page.text, run.text]) expect(html).not.toMatch(/training\.[a-zA-Z]/);
    }
    for (const path of ['/training', '/training/team', '/training/team?status=certified']) {
      const res = await reader.agent.get(path).set('Cookie', `lang=${lang}`);
      expect(res.status).toBe(200);
      expect(res.text).not.toMatch(/training\.[a-zA-Z]/);
    }
  });
});
