import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import {
  LIMITS,
  STEP_IDS,
  TASK_KIND_MODULES,
  TrainingContentError,
  TrainingModule,
  findProjectRoot,
  loadTrainingModules,
  localize,
  trainingModulesDir,
  validateTrainingModule,
} from '../../../training/content';

const MODULES_DIR = path.resolve(__dirname, '../../../training/modules');

const REQUIRED_MODULES = [
  'order-confirmation',
  'inspection-packaging-labels',
  'picking-scheduling',
  'shipping-carriers',
  'special-orders',
  'tracking-returns',
  'customer-service',
  'supervisor-stuck-tasks',
];

const TASK_KINDS = [
  'stockout',
  'damaged_goods',
  'label_incomplete',
  'carrier_rejected',
  'customs_hold',
  'sla_at_risk',
  'group_buy_mismatch',
  'catalog_changed',
  'delivery_delayed',
  'delivery_exception',
];

const HAN = /\p{Script=Han}/u;

/** Every {zh, en} object in a module, with its field path. */
function texts(value: unknown, at = ''): { at: string; zh: unknown; en: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => texts(v, `${at}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const o = value as Record<string, unknown>;
  if ('zh' in o || 'en' in o) return [{ at, zh: o.zh, en: o.en }];
  return Object.entries(o).flatMap(([k, v]) => texts(v, at ? `${at}.${k}` : k));
}

function rawModule(id: string): Record<string, any> {
  return parse(readFileSync(path.join(MODULES_DIR, `${id}.yaml`), 'utf8'));
}

describe('shipped training modules', () => {
  let modules: TrainingModule[];
  beforeAll(() => {
    modules = loadTrainingModules();
  });

  it('all load and validate from the default directory', () => {
    expect(modules.map((m) => m.id).sort()).toEqual(expect.arrayContaining(REQUIRED_MODULES));
    // same result when given the directory explicitly
    expect(loadTrainingModules(MODULES_DIR).map((m) => m.id)).toEqual(modules.map((m) => m.id));
  });

  it.each(REQUIRED_MODULES)('%s validates with no errors and has 6–10 items, 4–6 questions', (id) => {
    const { module, errors } = validateTrainingModule(rawModule(id), `${id}.yaml`);
    expect(errors).toEqual([]);
    expect(module?.id).toBe(id);
    expect(module!.items.length).toBeGreaterThanOrEqual(6);
    expect(module!.items.length).toBeLessThanOrEqual(10);
    expect(module!.quiz.questions.length).toBeGreaterThanOrEqual(4);
    expect(module!.quiz.questions.length).toBeLessThanOrEqual(6);
  });

  it('every text has non-empty zh (with Chinese characters) and en (without)', () => {
    const bad: string[] = [];
    let count = 0;
    for (const m of modules) {
      for (const t of texts(m)) {
        count++;
        if (typeof t.zh !== 'string' || t.zh.trim() === '' || !HAN.test(t.zh)) bad.push(`${m.id} ${t.at}.zh`);
        if (typeof t.en !== 'string' || t.en.trim() === '' || HAN.test(t.en)) bad.push(`${m.id} ${t.at}.en`);
      }
    }
    expect(bad).toEqual([]);
    expect(count).toBeGreaterThan(300);
  });

  it('modules follow the process: steps in the module, every P1–P3 step taught somewhere', () => {
    const taught = new Set(modules.flatMap((m) => m.items.map((i) => i.step)));
    const processSteps = STEP_IDS.filter((s) => !s.startsWith('P4.'));
    expect(processSteps.filter((s) => !taught.has(s))).toEqual([]);
    for (const m of modules) {
      for (const i of m.items) expect(m.steps).toContain(i.step);
      for (const q of m.quiz.questions) expect(m.steps).toContain(q.step);
    }
  });

  it('the step ranges of the brief are covered by the named modules', () => {
    const byId = new Map(modules.map((m) => [m.id, m]));
    expect(byId.get('order-confirmation')!.steps).toEqual(['P1.1', 'P1.2', 'P1.3']);
    expect(byId.get('inspection-packaging-labels')!.steps).toEqual(['P1.4', 'P1.5', 'P1.6', 'P1.7']);
    expect(byId.get('picking-scheduling')!.steps).toEqual(['P1.8', 'P1.9', 'P1.10']);
    expect(byId.get('shipping-carriers')!.steps).toEqual(['P2.1', 'P2.2', 'P2.3', 'P2.4', 'P2.5', 'P2.6', 'P2.7']);
    expect(byId.get('special-orders')!.steps).toEqual(['P2.8', 'P2.9', 'P2.10']);
    expect(byId.get('tracking-returns')!.steps).toEqual(['P3.1', 'P3.2', 'P3.3', 'P3.4']);
    expect(byId.get('customer-service')!.steps).toEqual(['P3.5']);
    expect(byId.get('supervisor-stuck-tasks')!.audience).toEqual(['supervisor']);
  });

  it('checklists ask for evidence: notes and photos', () => {
    const all = modules.flatMap((m) => m.items);
    expect(all.some((i) => i.requires === 'note')).toBe(true);
    expect(all.some((i) => i.requires === 'photo')).toBe(true);
    for (const m of modules) {
      expect({ id: m.id, note: m.items.some((i) => i.requires === 'note') }).toEqual({ id: m.id, note: true });
    }
    // the packed fragile parcel is photographed
    const fragile = modules.find((m) => m.id === 'inspection-packaging-labels')!.items.find((i) => i.id === 'pack-fragile-in-foam');
    expect(fragile?.requires).toBe('photo');
  });

  it('the supervisor module covers every stuck-task kind it is the gate for', () => {
    const sup = modules.find((m) => m.id === 'supervisor-stuck-tasks')!;
    const body = sup.items.map((i) => `${i.text.en} ${i.detail?.en ?? ''}`).join('\n');
    const kinds = Object.entries(TASK_KIND_MODULES)
      .filter(([, id]) => id === 'supervisor-stuck-tasks')
      .map(([k]) => k);
    expect(kinds.sort()).toEqual(
      ['stockout', 'damaged_goods', 'label_incomplete', 'carrier_rejected', 'customs_hold', 'sla_at_risk', 'group_buy_mismatch', 'step_failed', 'back_order_overdue'].sort(),
    );
    for (const k of kinds) expect(body).toContain(`(${k})`);
    for (const option of ['wait for restock', 'back-order the rest', 'cancel the line and refund']) {
      expect(body).toContain(option);
    }
  });

  it('TASK_KIND_MODULES maps every task kind to an existing module a supervisor can take', () => {
    const byId = new Map(modules.map((m) => [m.id, m]));
    for (const kind of TASK_KINDS) {
      const target = TASK_KIND_MODULES[kind];
      expect({ kind, exists: target !== undefined && byId.has(target) }).toEqual({ kind, exists: true });
      expect({ kind, audience: byId.get(target)!.audience.includes('supervisor') }).toEqual({ kind, audience: true });
    }
    for (const target of Object.values(TASK_KIND_MODULES)) expect(byId.has(target)).toBe(true);
  });

  it('quiz answers are spread over the option positions', () => {
    const positions = new Set(modules.flatMap((m) => m.quiz.questions.map((q) => q.answer)));
    expect(positions.size).toBeGreaterThanOrEqual(3);
  });
});

describe('validateTrainingModule: broken inputs', () => {
  const FILE = 'order-confirmation.yaml';
  let base: Record<string, any>;
  beforeEach(() => {
    base = rawModule('order-confirmation');
  });

  function errorsOf(raw: unknown, file = FILE): string[] {
    const { module, errors } = validateTrainingModule(raw, file);
    if (errors.length > 0) expect(module).toBeUndefined();
    return errors;
  }

  it('the unmodified base is valid (control)', () => {
    expect(errorsOf(base)).toEqual([]);
  });

  it('missing English text', () => {
    delete base.items[2].text.en;
    expect(errorsOf(base)).toEqual(['order-confirmation.yaml: items[2].text.en: required']);
  });

  it('empty Chinese text and a missing localized field', () => {
    base.quiz.questions[1].options[0].zh = '  ';
    delete base.summary;
    const errors = errorsOf(base);
    expect(errors).toContain('order-confirmation.yaml: quiz.questions[1].options[0].zh: must not be empty');
    expect(errors).toContain('order-confirmation.yaml: summary: required');
  });

  it('bad step ids: wrong shape and unknown step', () => {
    base.items[0].step = 'P5.1';
    base.items[1].step = 'P1.11';
    base.steps[0] = 'p1.1';
    const errors = errorsOf(base);
    expect(errors).toContainEqual(expect.stringMatching(/^order-confirmation\.yaml: items\[0\]\.step: must be a process step id/));
    expect(errors).toContainEqual(expect.stringMatching(/^order-confirmation\.yaml: items\[1\]\.step: unknown process step P1\.11/));
    expect(errors).toContainEqual(expect.stringMatching(/^order-confirmation\.yaml: steps\[0\]: must be a process step id/));
  });

  it('a valid step that the module does not list', () => {
    base.quiz.questions[0].step = 'P2.1';
    expect(errorsOf(base)).toEqual([
      "order-confirmation.yaml: quiz.questions[0].step: P2.1 is not in the module's steps [P1.1, P1.2, P1.3]",
    ]);
  });

  it('duplicate item id and duplicate question id', () => {
    base.items[3].id = base.items[0].id;
    base.quiz.questions[2].id = 'q1';
    const errors = errorsOf(base);
    expect(errors).toContain(
      `order-confirmation.yaml: items[3].id: duplicate id "${base.items[0].id}" (also items[0])`,
    );
    expect(errors).toContain('order-confirmation.yaml: quiz.questions[2].id: duplicate id "q1" (also quiz.questions[0])');
  });

  it('answer out of range, negative or not an integer', () => {
    const n = base.quiz.questions[0].options.length;
    base.quiz.questions[0].answer = n;
    base.quiz.questions[1].answer = -1;
    base.quiz.questions[2].answer = '1';
    const errors = errorsOf(base);
    expect(errors).toContainEqual(expect.stringMatching(/^order-confirmation\.yaml: quiz\.questions\[0\]\.answer: out of range/));
    expect(errors).toContainEqual(expect.stringMatching(/^order-confirmation\.yaml: quiz\.questions\[1\]\.answer: out of range/));
    expect(errors).toContainEqual(expect.stringMatching(/^order-confirmation\.yaml: quiz\.questions\[2\]\.answer: must be an integer/));
    expect(errors).toHaveLength(3);
  });

  it('id different from the file name', () => {
    expect(errorsOf(base, 'order-check.yaml')).toEqual([
      'order-check.yaml: id: "order-confirmation" must equal the file name "order-check"',
    ]);
  });

  it('id not kebab-case', () => {
    base.id = 'Order_Confirmation';
    expect(errorsOf(base)).toContainEqual(expect.stringMatching(/^order-confirmation\.yaml: id: must be a kebab-case string/));
  });

  it('passMark outside (0, 1]', () => {
    for (const bad of [0, 1.2, -0.5]) {
      base.quiz.passMark = bad;
      expect(errorsOf(base)).toEqual([`order-confirmation.yaml: quiz.passMark: must be a fraction in (0, 1], got ${bad}`]);
    }
    base.quiz.passMark = 1;
    expect(errorsOf(base)).toEqual([]);
  });

  it('validityDays must be a positive integer', () => {
    base.validityDays = 0;
    expect(errorsOf(base)).toEqual(['order-confirmation.yaml: validityDays: must be a positive integer, got 0']);
    base.validityDays = 30.5;
    expect(errorsOf(base)).toEqual(['order-confirmation.yaml: validityDays: must be an integer, got number 30.5']);
  });

  it('the current version needs a changes entry', () => {
    base.version = 2;
    expect(errorsOf(base)).toEqual(['order-confirmation.yaml: changes: no entry for the current version 2']);
    base.changes.push({ version: 2, summary: { zh: '补充了地址核对。', en: 'Added the address check.' } });
    expect(errorsOf(base)).toEqual([]);
    base.changes.push({ version: 3, summary: { zh: '未来版本。', en: 'A future version.' } });
    expect(errorsOf(base)).toEqual(['order-confirmation.yaml: changes[2].version: 3 is newer than the module version 2']);
  });

  it('option count, evidence kind, audience role and unknown fields', () => {
    base.quiz.questions[0].options = [base.quiz.questions[0].options[0]];
    base.quiz.questions[0].answer = 0;
    base.items[0].requires = 'signature';
    base.audience = ['staff', 'manager'];
    base.items[1].requirs = 'photo';
    const errors = errorsOf(base);
    expect(errors).toContain('order-confirmation.yaml: quiz.questions[0].options: must have 2–5 options, has 1');
    expect(errors).toContainEqual(expect.stringMatching(/^order-confirmation\.yaml: items\[0\]\.requires: must be one of none \| note \| photo/));
    expect(errors).toContainEqual(expect.stringMatching(/^order-confirmation\.yaml: audience\[1\]: must be one of staff \| supervisor \| admin/));
    expect(errors).toContain('order-confirmation.yaml: items[1].requirs: unknown field');
  });

  it('a listed step that no item teaches', () => {
    base.items = base.items.filter((i: { step: string }) => i.step !== 'P1.3');
    expect(base.items.length).toBeGreaterThanOrEqual(LIMITS.items.min);
    expect(errorsOf(base)).toEqual(['order-confirmation.yaml: steps[2]: P1.3 is not taught by any checklist item']);
  });

  it('too few and too many items or questions', () => {
    const items = base.items;
    base.items = items.slice(0, LIMITS.items.min - 1);
    expect(errorsOf(base)).toContain(
      `order-confirmation.yaml: items: must have ${LIMITS.items.min}–${LIMITS.items.max} checklist items, has ${LIMITS.items.min - 1}`,
    );
    base.items = [...items, ...items.map((i: { id: string }) => ({ ...i, id: `${i.id}-again` }))].slice(0, LIMITS.items.max + 1);
    expect(errorsOf(base)).toEqual([
      `order-confirmation.yaml: items: must have ${LIMITS.items.min}–${LIMITS.items.max} checklist items, has ${LIMITS.items.max + 1}`,
    ]);
    base.items = items;
    base.quiz.questions = base.quiz.questions.slice(0, LIMITS.questions.min - 1);
    expect(errorsOf(base)).toEqual([
      `order-confirmation.yaml: quiz.questions: must have ${LIMITS.questions.min}–${LIMITS.questions.max} questions, has ${LIMITS.questions.min - 1}`,
    ]);
  });

  it('the whole document is not a mapping', () => {
    expect(errorsOf(['a'])).toEqual(['order-confirmation.yaml: (root): must be a mapping, got a list']);
    expect(errorsOf(undefined)).toEqual(['order-confirmation.yaml: (root): must be a mapping, got nothing']);
  });

  it('detail is optional but, when present, needs both languages', () => {
    delete base.items[0].detail;
    expect(errorsOf(base)).toEqual([]);
    base.items[0].detail = { zh: '只有中文' };
    expect(errorsOf(base)).toEqual(['order-confirmation.yaml: items[0].detail.en: required']);
  });
});

describe('loadTrainingModules on a directory with problems', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'boxflow-training-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('throws ONE error listing every problem of every file', () => {
    const good = readFileSync(path.join(MODULES_DIR, 'order-confirmation.yaml'), 'utf8');
    writeFileSync(path.join(dir, 'order-confirmation.yaml'), good);
    const broken = rawModule('customer-service');
    delete broken.items[2].text.en;
    broken.quiz.questions[0].answer = 9;
    writeFileSync(path.join(dir, 'customer-service.yaml'), JSON.stringify(broken)); // JSON is YAML
    writeFileSync(path.join(dir, 'renamed.yaml'), good);
    writeFileSync(path.join(dir, 'bad-syntax.yaml'), 'id: x\n  title: [unclosed\n');
    writeFileSync(path.join(dir, 'notes.txt'), 'not a module');

    let thrown: unknown;
    try {
      loadTrainingModules(dir);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TrainingContentError);
    const err = thrown as TrainingContentError;
    expect(err.problems).toContain('customer-service.yaml: items[2].text.en: required');
    expect(err.problems).toContainEqual(expect.stringMatching(/^customer-service\.yaml: quiz\.questions\[0\]\.answer: out of range/));
    expect(err.problems).toContain('renamed.yaml: id: "order-confirmation" must equal the file name "renamed"');
    expect(err.problems).toContainEqual(expect.stringMatching(/^bad-syntax\.yaml: \(yaml\): /));
    expect(err.problems.some((p) => p.startsWith('order-confirmation.yaml'))).toBe(false);
    expect(err.problems.some((p) => p.includes('notes.txt'))).toBe(false);
    for (const p of err.problems) expect(err.message).toContain(p);
  });

  it('rejects .yml files and an empty directory', () => {
    expect(() => loadTrainingModules(dir)).toThrow(/no module files/);
    writeFileSync(path.join(dir, 'order-confirmation.yml'), readFileSync(path.join(MODULES_DIR, 'order-confirmation.yaml')));
    expect(() => loadTrainingModules(dir)).toThrow('order-confirmation.yml: (file): module files must be named <module-id>.yaml');
  });

  it('reports a missing directory', () => {
    expect(() => loadTrainingModules(path.join(dir, 'nope'))).toThrow(TrainingContentError);
  });
});

describe('helpers', () => {
  it('the default directory is <project root>/training/modules, also from dist/training', () => {
    const root = path.resolve(__dirname, '../../..');
    expect(trainingModulesDir()).toBe(path.join(root, 'training', 'modules'));
    expect(existsSync(trainingModulesDir())).toBe(true);
    expect(findProjectRoot(path.join(root, 'dist', 'training'))).toBe(root);
    expect(findProjectRoot(path.join(root, 'training'))).toBe(root);
  });

  it('findProjectRoot stops at the nearest package.json', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'boxflow-root-'));
    try {
      mkdirSync(path.join(tmp, 'dist', 'training'), { recursive: true });
      writeFileSync(path.join(tmp, 'package.json'), '{}');
      expect(findProjectRoot(path.join(tmp, 'dist', 'training'))).toBe(tmp);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('localize picks the language and falls back when empty', () => {
    expect(localize({ zh: '已发货', en: 'Shipped' }, 'zh')).toBe('已发货');
    expect(localize({ zh: '已发货', en: 'Shipped' }, 'en')).toBe('Shipped');
    expect(localize({ zh: '已发货', en: '' }, 'en')).toBe('已发货');
  });
});
