/**
 * Training content (P4.3 人员培训): bilingual modules built from the shipping process,
 * stored as versioned YAML files in `training/modules/<module-id>.yaml`.
 *
 * This file loads and validates them. It has no UI and no database: the web app and the
 * certificate logic build on `loadTrainingModules()` and the types exported here.
 * The schema is documented in `training/README.md`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];

/** Every text a person reads exists in Simplified Chinese (staff language) and English. */
export type LocalizedText = { zh: string; en: string };

/** The process steps of docs/DOMAIN.md. Stable ids: P1.1 … P1.10, P2.1 … P2.10, P3.1 … P3.5, P4.1 … P4.3. */
export const STEP_IDS = [
  'P1.1', 'P1.2', 'P1.3', 'P1.4', 'P1.5', 'P1.6', 'P1.7', 'P1.8', 'P1.9', 'P1.10',
  'P2.1', 'P2.2', 'P2.3', 'P2.4', 'P2.5', 'P2.6', 'P2.7', 'P2.8', 'P2.9', 'P2.10',
  'P3.1', 'P3.2', 'P3.3', 'P3.4', 'P3.5',
  'P4.1', 'P4.2', 'P4.3',
] as const;
export type StepId = (typeof STEP_IDS)[number];
export const STEP_ID_PATTERN = /^P[1-4]\.\d+$/;

export const ROLES = ['staff', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Evidence needed to tick a checklist item. */
export const EVIDENCE_KINDS = ['none', 'note', 'photo'] as const;
export type Evidence = (typeof EVIDENCE_KINDS)[number];

export interface ChecklistItem {
  /** kebab-case, unique within the module */
  id: string;
  /** the process step this item teaches */
  step: StepId;
  text: LocalizedText;
  /** why / how, 1–3 sentences */
  detail?: LocalizedText;
  requires: Evidence;
}

export interface QuizQuestion {
  /** unique within the module */
  id: string;
  step: StepId;
  question: LocalizedText;
  /** 2–5 options */
  options: LocalizedText[];
  /** 0-based index into options */
  answer: number;
  explanation: LocalizedText;
}

export interface Quiz {
  /** fraction of questions to answer correctly, in (0, 1] */
  passMark: number;
  questions: QuizQuestion[];
}

export interface ModuleChange {
  version: number;
  summary: LocalizedText;
}

export interface TrainingModule {
  /** kebab-case, equals the file name without `.yaml` */
  id: string;
  /** positive integer, bumped on each published change */
  version: number;
  title: LocalizedText;
  summary: LocalizedText;
  /** process steps the module covers; every one is taught by at least one item */
  steps: StepId[];
  audience: Role[];
  /** days a certificate stays valid before recertification */
  validityDays: number;
  estimatedMinutes: number;
  /** changelog, one entry per published version; includes the current version */
  changes: ModuleChange[];
  items: ChecklistItem[];
  quiz: Quiz;
}

/** Editorial limits, enforced by the validator (documented in training/README.md). */
export const LIMITS = {
  items: { min: 6, max: 10 },
  questions: { min: 4, max: 6 },
  options: { min: 2, max: 5 },
} as const;

/**
 * Which module's certificate a supervisor needs before deciding a workflow task of this kind.
 * A later feature gates decisions on it; every target must exist and include `supervisor`
 * in its audience (checked by test/unit/training/content.test.ts).
 */
export const TASK_KIND_MODULES: Record<string, string> = Object.freeze({
  stockout: 'supervisor-stuck-tasks', // P1.10
  damaged_goods: 'supervisor-stuck-tasks', // P1.4
  label_incomplete: 'supervisor-stuck-tasks', // P1.6
  carrier_rejected: 'supervisor-stuck-tasks', // P2.4
  customs_hold: 'supervisor-stuck-tasks', // P2.10
  sla_at_risk: 'supervisor-stuck-tasks', // P2.8
  group_buy_mismatch: 'supervisor-stuck-tasks', // P2.9
  catalog_changed: 'order-confirmation', // P1.1: order no longer matches the catalog
  payment_review: 'order-confirmation', // P1.3
  delivery_delayed: 'tracking-returns', // P3.2
  delivery_exception: 'tracking-returns', // P3.2 / P3.3
  step_failed: 'supervisor-stuck-tasks', // P4.2: a step an outside service kept failing
  pick_overdue: 'picking-scheduling', // P1.8 (stations mode)
  pack_overdue: 'picking-scheduling', // P1.5 (stations mode)
  handover_missed: 'shipping-carriers', // P2.2 (stations mode)
  back_order_overdue: 'supervisor-stuck-tasks', // P1.10: a restock wait ran past its time (issue 15)
});

/**
 * Which module's certificate a person needs before working a warehouse station (stations mode):
 * pick and scan-to-verify (P1.8, P1.4), pack and weigh (P1.5), hand-over to the courier (P2.2).
 */
export const STATION_MODULES: Readonly<Record<'pick' | 'pack' | 'handover', string>> = Object.freeze({
  pick: 'picking-scheduling',
  pack: 'inspection-packaging-labels',
  handover: 'shipping-carriers',
});

/** The text in the requested language; falls back to the other language if that one is empty. */
export function localize(text: LocalizedText, lang: Lang): string {
  const other: Lang = lang === 'zh' ? 'en' : 'zh';
  return text[lang] && text[lang].trim() !== '' ? text[lang] : text[other];
}

// ---------------------------------------------------------------------------------------------
// Locating the content
// ---------------------------------------------------------------------------------------------

/**
 * The nearest directory at or above `startDir` that contains a package.json.
 * Works from the TS sources (training/) and from compiled output (dist/training/).
 */
export function findProjectRoot(startDir: string = __dirname): string {
  let dir = path.resolve(startDir);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`training: no package.json found at or above ${startDir}`);
    dir = parent;
  }
}

/**
 * `<project root>/training/modules` (the YAML files are not copied into dist/), or
 * BOXFLOW_TRAINING_DIR when set (a deployment's own content; the start-up test's broken copy).
 */
export function trainingModulesDir(): string {
  const override = process.env.BOXFLOW_TRAINING_DIR;
  if (override) return path.resolve(override);
  return path.join(findProjectRoot(__dirname), 'training', 'modules');
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const KNOWN_STEPS: ReadonlySet<string> = new Set(STEP_IDS);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Collects `<file>: <field path>: <message>` problems. */
class Problems {
  readonly list: string[] = [];
  constructor(private readonly file: string) {}
  add(field: string, message: string): void {
    this.list.push(`${this.file}: ${field}: ${message}`);
  }
}

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

function checkKeys(p: Problems, obj: Obj, allowed: readonly string[], base: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) p.add(join(base, key), 'unknown field');
  }
}

function readText(p: Problems, v: unknown, field: string, optional = false): LocalizedText | undefined {
  if (v === undefined || v === null) {
    if (!optional) p.add(field, 'required');
    return undefined;
  }
  if (!isObj(v)) {
    p.add(field, `must be a mapping with zh and en, got ${describe(v)}`);
    return undefined;
  }
  checkKeys(p, v, LANGS, field);
  let ok = true;
  for (const lang of LANGS) {
    const s = v[lang];
    if (s === undefined || s === null) {
      p.add(`${field}.${lang}`, 'required');
      ok = false;
    } else if (typeof s !== 'string') {
      p.add(`${field}.${lang}`, `must be a string, got ${describe(s)}`);
      ok = false;
    } else if (s.trim() === '') {
      p.add(`${field}.${lang}`, 'must not be empty');
      ok = false;
    }
  }
  return ok ? { zh: (v.zh as string).trim(), en: (v.en as string).trim() } : undefined;
}

function readInt(p: Problems, v: unknown, field: string, min: number): number | undefined {
  if (v === undefined || v === null) {
    p.add(field, 'required');
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    p.add(field, `must be an integer, got ${describe(v)}`);
    return undefined;
  }
  if (v < min) {
    p.add(field, min === 1 ? `must be a positive integer, got ${v}` : `must be at least ${min}, got ${v}`);
    return undefined;
  }
  return v;
}

function readId(p: Problems, v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) {
    p.add(field, 'required');
    return undefined;
  }
  if (typeof v !== 'string' || !KEBAB.test(v)) {
    p.add(field, `must be a kebab-case string (a-z, 0-9, -), got ${describe(v)}`);
    return undefined;
  }
  return v;
}

function readStep(p: Problems, v: unknown, field: string): StepId | undefined {
  if (v === undefined || v === null) {
    p.add(field, 'required');
    return undefined;
  }
  if (typeof v !== 'string' || !STEP_ID_PATTERN.test(v)) {
    p.add(field, `must be a process step id like P1.1, got ${describe(v)}`);
    return undefined;
  }
  if (!KNOWN_STEPS.has(v)) {
    p.add(field, `unknown process step ${v} (valid: P1.1–P1.10, P2.1–P2.10, P3.1–P3.5, P4.1–P4.3)`);
    return undefined;
  }
  return v as StepId;
}

function readList(p: Problems, v: unknown, field: string): unknown[] | undefined {
  if (v === undefined || v === null) {
    p.add(field, 'required');
    return undefined;
  }
  if (!Array.isArray(v)) {
    p.add(field, `must be a list, got ${describe(v)}`);
    return undefined;
  }
  return v;
}

function checkCount(p: Problems, list: unknown[], field: string, min: number, max: number, what: string): void {
  if (list.length < min || list.length > max) {
    p.add(field, `must have ${min}–${max} ${what}, has ${list.length}`);
  }
}

/** Reports ids that occur more than once in `ids` (index-aligned with the list at `base`). */
function checkUnique(p: Problems, ids: (string | undefined)[], base: string): void {
  const first = new Map<string, number>();
  ids.forEach((id, i) => {
    if (id === undefined) return;
    const seen = first.get(id);
    if (seen === undefined) first.set(id, i);
    else p.add(`${base}[${i}].id`, `duplicate id "${id}" (also ${base}[${seen}])`);
  });
}

const MODULE_KEYS = [
  'id', 'version', 'title', 'summary', 'steps', 'audience', 'validityDays', 'estimatedMinutes',
  'changes', 'items', 'quiz',
] as const;
const ITEM_KEYS = ['id', 'step', 'text', 'detail', 'requires'] as const;
const QUIZ_KEYS = ['passMark', 'questions'] as const;
const QUESTION_KEYS = ['id', 'step', 'question', 'options', 'answer', 'explanation'] as const;
const CHANGE_KEYS = ['version', 'summary'] as const;

function readItem(p: Problems, raw: unknown, field: string): ChecklistItem | undefined {
  if (!isObj(raw)) {
    p.add(field, `must be a mapping, got ${describe(raw)}`);
    return undefined;
  }
  checkKeys(p, raw, ITEM_KEYS, field);
  const id = readId(p, raw.id, `${field}.id`);
  const step = readStep(p, raw.step, `${field}.step`);
  const text = readText(p, raw.text, `${field}.text`);
  const detail = readText(p, raw.detail, `${field}.detail`, true);
  let requires: Evidence | undefined;
  if (raw.requires === undefined || raw.requires === null) {
    p.add(`${field}.requires`, 'required');
  } else if (typeof raw.requires !== 'string' || !(EVIDENCE_KINDS as readonly string[]).includes(raw.requires)) {
    p.add(`${field}.requires`, `must be one of ${EVIDENCE_KINDS.join(' | ')}, got ${describe(raw.requires)}`);
  } else {
    requires = raw.requires as Evidence;
  }
  if (id === undefined || step === undefined || text === undefined || requires === undefined) return undefined;
  if (raw.detail !== undefined && raw.detail !== null && detail === undefined) return undefined;
  const item: ChecklistItem = { id, step, text, requires };
  if (detail) item.detail = detail;
  return item;
}

function readQuestion(p: Problems, raw: unknown, field: string): QuizQuestion | undefined {
  if (!isObj(raw)) {
    p.add(field, `must be a mapping, got ${describe(raw)}`);
    return undefined;
  }
  checkKeys(p, raw, QUESTION_KEYS, field);
  const id = readId(p, raw.id, `${field}.id`);
  const step = readStep(p, raw.step, `${field}.step`);
  const question = readText(p, raw.question, `${field}.question`);
  const explanation = readText(p, raw.explanation, `${field}.explanation`);

  let options: LocalizedText[] | undefined;
  const rawOptions = readList(p, raw.options, `${field}.options`);
  if (rawOptions) {
    checkCount(p, rawOptions, `${field}.options`, LIMITS.options.min, LIMITS.options.max, 'options');
    const read = rawOptions.map((o, i) => readText(p, o, `${field}.options[${i}]`));
    if (read.every((o): o is LocalizedText => o !== undefined)) {
      options = read;
      for (const lang of LANGS) {
        const seen = new Map<string, number>();
        read.forEach((o, i) => {
          const prev = seen.get(o[lang]);
          if (prev === undefined) seen.set(o[lang], i);
          else p.add(`${field}.options[${i}].${lang}`, `same text as options[${prev}]`);
        });
      }
    }
  }

  let answer: number | undefined;
  if (raw.answer === undefined || raw.answer === null) {
    p.add(`${field}.answer`, 'required');
  } else if (typeof raw.answer !== 'number' || !Number.isInteger(raw.answer)) {
    p.add(`${field}.answer`, `must be an integer option index, got ${describe(raw.answer)}`);
  } else if (rawOptions && (raw.answer < 0 || raw.answer >= rawOptions.length)) {
    p.add(`${field}.answer`, `out of range: ${raw.answer} is not an index of options (0–${rawOptions.length - 1})`);
  } else {
    answer = raw.answer;
  }

  if (
    id === undefined || step === undefined || question === undefined || explanation === undefined ||
    options === undefined || answer === undefined
  ) {
    return undefined;
  }
  return { id, step, question, options, answer, explanation };
}

/**
 * Validates one parsed YAML document. `fileName` is used in messages and must be
 * `<id>.yaml`. Returns the typed module only when there are no errors.
 */
export function validateTrainingModule(raw: unknown, fileName: string): { module?: TrainingModule; errors: string[] } {
  const p = new Problems(fileName);
  if (!isObj(raw)) {
    p.add('(root)', `must be a mapping, got ${describe(raw)}`);
    return { errors: p.list };
  }
  checkKeys(p, raw, MODULE_KEYS, '');

  const id = readId(p, raw.id, 'id');
  const base = path.basename(fileName);
  if (!/\.yaml$/.test(base)) p.add('(file)', 'file name must end in .yaml');
  const expectedId = base.replace(/\.ya?ml$/, '');
  if (id !== undefined && id !== expectedId) {
    p.add('id', `"${id}" must equal the file name "${expectedId}"`);
  }

  const version = readInt(p, raw.version, 'version', 1);
  const title = readText(p, raw.title, 'title');
  const summary = readText(p, raw.summary, 'summary');
  const validityDays = readInt(p, raw.validityDays, 'validityDays', 1);
  const estimatedMinutes = readInt(p, raw.estimatedMinutes, 'estimatedMinutes', 1);

  // steps
  let steps: StepId[] | undefined;
  const rawSteps = readList(p, raw.steps, 'steps');
  if (rawSteps) {
    if (rawSteps.length === 0) p.add('steps', 'must list at least one process step');
    const read = rawSteps.map((s, i) => readStep(p, s, `steps[${i}]`));
    read.forEach((s, i) => {
      if (s !== undefined && read.indexOf(s) !== i) p.add(`steps[${i}]`, `duplicate step ${s}`);
    });
    if (rawSteps.length > 0 && read.every((s): s is StepId => s !== undefined)) steps = read;
  }

  // audience
  let audience: Role[] | undefined;
  const rawAudience = readList(p, raw.audience, 'audience');
  if (rawAudience) {
    if (rawAudience.length === 0) p.add('audience', 'must list at least one role');
    let ok = rawAudience.length > 0;
    rawAudience.forEach((r, i) => {
      if (typeof r !== 'string' || !(ROLES as readonly string[]).includes(r)) {
        p.add(`audience[${i}]`, `must be one of ${ROLES.join(' | ')}, got ${describe(r)}`);
        ok = false;
      } else if (rawAudience.indexOf(r) !== i) {
        p.add(`audience[${i}]`, `duplicate role ${r}`);
        ok = false;
      }
    });
    if (ok) audience = rawAudience as Role[];
  }

  // changes
  let changes: ModuleChange[] | undefined;
  const rawChanges = readList(p, raw.changes, 'changes');
  if (rawChanges) {
    const read = rawChanges.map((c, i): ModuleChange | undefined => {
      const field = `changes[${i}]`;
      if (!isObj(c)) {
        p.add(field, `must be a mapping, got ${describe(c)}`);
        return undefined;
      }
      checkKeys(p, c, CHANGE_KEYS, field);
      const v = readInt(p, c.version, `${field}.version`, 1);
      const s = readText(p, c.summary, `${field}.summary`);
      if (v !== undefined && version !== undefined && v > version) {
        p.add(`${field}.version`, `${v} is newer than the module version ${version}`);
      }
      return v !== undefined && s !== undefined ? { version: v, summary: s } : undefined;
    });
    read.forEach((c, i) => {
      if (c && read.findIndex((o) => o?.version === c.version) !== i) {
        p.add(`changes[${i}].version`, `duplicate changes entry for version ${c.version}`);
      }
    });
    if (version !== undefined && !read.some((c) => c?.version === version)) {
      p.add('changes', `no entry for the current version ${version}`);
    }
    if (read.every((c): c is ModuleChange => c !== undefined)) changes = read;
  }

  // items
  let items: ChecklistItem[] | undefined;
  const rawItems = readList(p, raw.items, 'items');
  if (rawItems) {
    checkCount(p, rawItems, 'items', LIMITS.items.min, LIMITS.items.max, 'checklist items');
    const read = rawItems.map((it, i) => readItem(p, it, `items[${i}]`));
    checkUnique(p, rawItems.map((it) => (isObj(it) && typeof it.id === 'string' ? it.id : undefined)), 'items');
    if (read.every((it): it is ChecklistItem => it !== undefined)) items = read;
  }

  // quiz
  let quiz: Quiz | undefined;
  if (raw.quiz === undefined || raw.quiz === null) {
    p.add('quiz', 'required');
  } else if (!isObj(raw.quiz)) {
    p.add('quiz', `must be a mapping, got ${describe(raw.quiz)}`);
  } else {
    const q = raw.quiz;
    checkKeys(p, q, QUIZ_KEYS, 'quiz');
    let passMark: number | undefined;
    if (q.passMark === undefined || q.passMark === null) {
      p.add('quiz.passMark', 'required');
    } else if (typeof q.passMark !== 'number' || !Number.isFinite(q.passMark)) {
      p.add('quiz.passMark', `must be a number, got ${describe(q.passMark)}`);
    } else if (!(q.passMark > 0 && q.passMark <= 1)) {
      p.add('quiz.passMark', `must be a fraction in (0, 1], got ${q.passMark}`);
    } else {
      passMark = q.passMark;
    }
    let questions: QuizQuestion[] | undefined;
    const rawQuestions = readList(p, q.questions, 'quiz.questions');
    if (rawQuestions) {
      checkCount(p, rawQuestions, 'quiz.questions', LIMITS.questions.min, LIMITS.questions.max, 'questions');
      const read = rawQuestions.map((qq, i) => readQuestion(p, qq, `quiz.questions[${i}]`));
      checkUnique(
        p,
        rawQuestions.map((qq) => (isObj(qq) && typeof qq.id === 'string' ? qq.id : undefined)),
        'quiz.questions',
      );
      if (read.every((qq): qq is QuizQuestion => qq !== undefined)) questions = read;
    }
    if (passMark !== undefined && questions !== undefined) quiz = { passMark, questions };
  }

  // Cross-checks: items and questions teach the module's steps, and every listed step is taught.
  if (steps) {
    const listed = new Set<string>(steps);
    const check = (list: unknown, base: string): void => {
      if (!Array.isArray(list)) return;
      list.forEach((x, i) => {
        if (isObj(x) && typeof x.step === 'string' && KNOWN_STEPS.has(x.step) && !listed.has(x.step)) {
          p.add(`${base}[${i}].step`, `${x.step} is not in the module's steps [${steps.join(', ')}]`);
        }
      });
    };
    check(raw.items, 'items');
    if (isObj(raw.quiz)) check(raw.quiz.questions, 'quiz.questions');
    if (Array.isArray(raw.items)) {
      const taught = new Set(raw.items.map((x) => (isObj(x) ? x.step : undefined)));
      steps.forEach((s, i) => {
        if (!taught.has(s)) p.add(`steps[${i}]`, `${s} is not taught by any checklist item`);
      });
    }
  }

  if (p.list.length > 0) return { errors: p.list };
  const module: TrainingModule = {
    id: id!,
    version: version!,
    title: title!,
    summary: summary!,
    steps: steps!,
    audience: audience!,
    validityDays: validityDays!,
    estimatedMinutes: estimatedMinutes!,
    changes: changes!,
    items: items!,
    quiz: quiz!,
  };
  return { module, errors: [] };
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/** Thrown by loadTrainingModules; `problems` holds every `<file>: <field path>: <message>`. */
export class TrainingContentError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: string[],
  ) {
    super(
      `Training content in ${dir} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((x) => `  - ${x}`).join('\n'),
    );
    this.name = 'TrainingContentError';
  }
}

/**
 * Parses and validates every `*.yaml` file in `dir` (default: `<project root>/training/modules`).
 * Returns the modules ordered by file name, or throws ONE TrainingContentError listing every problem.
 */
export function loadTrainingModules(dir: string = trainingModulesDir()): TrainingModule[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new TrainingContentError(dir, [`${dir}: (dir): cannot read: ${(e as Error).message}`]);
  }
  const files = entries.filter((f) => /\.ya?ml$/i.test(f)).sort();
  const problems: string[] = [];
  const modules: TrainingModule[] = [];
  if (files.length === 0) problems.push(`${dir}: (dir): no module files (*.yaml) found`);
  for (const file of files) {
    if (!file.endsWith('.yaml')) {
      problems.push(`${file}: (file): module files must be named <module-id>.yaml`);
      continue;
    }
    let raw: unknown;
    try {
      raw = parse(readFileSync(path.join(dir, file), 'utf8'));
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      problems.push(`${file}: (yaml): ${msg}`);
      continue;
    }
    const { module, errors } = validateTrainingModule(raw, file);
    problems.push(...errors);
    if (module) modules.push(module);
  }
  if (problems.length > 0) throw new TrainingContentError(dir, problems);
  return modules;
}

// ---------------------------------------------------------------------------------------------
// The loaded content, for the web app (validated once at start-up, then read per request)
// ---------------------------------------------------------------------------------------------

let loaded: TrainingModule[] | undefined;

/**
 * The modules from `trainingModulesDir()`, loaded and validated on first use and kept. The web
 * server calls it at start-up so that a broken file stops the start with the problem list.
 */
export function getTrainingModules(): TrainingModule[] {
  if (!loaded) loaded = loadTrainingModules();
  return loaded;
}

export function findTrainingModule(id: string): TrainingModule | undefined {
  return getTrainingModules().find((m) => m.id === id);
}

/**
 * Replaces the loaded modules (tests publish a newer version this way); `undefined` reloads from
 * the files on next use.
 */
export function setTrainingModules(modules: TrainingModule[] | undefined): void {
  loaded = modules;
}
