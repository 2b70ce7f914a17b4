/**
 * Helpers for the training tests (P4.3): an app whose evidence photos go to a per-test folder,
 * generated images, and walking a person through a whole module over plain form posts.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createApp } from '../../web/app';
import { buildPolicy } from '../../domain/policy';
import { API_KEY, Harness, SignedIn, testEnv } from '../support/harness';
import { findTrainingModule, TrainingModule } from '../../training/content';

/** The harness with its app rebuilt so that uploads land in `<runDir>/training-<id>/evidence`. */
export function withEvidenceDir(h: Harness, name: string): { h: Harness; dataDir: string; evidenceDir: string } {
  const dataDir = path.join(testEnv().runDir, `training-${name}-${process.pid}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const policy = buildPolicy({ timeScale: h.settings.timeScale, stockoutDefault: h.settings.stockoutDefault });
  const app = createApp({ db: h.db, temporal: { client: h.client, taskQueue: h.taskQueue, policy }, apiKey: API_KEY, dataDir });
  return { h: { ...h, app }, dataDir, evidenceDir: path.join(dataDir, 'evidence') };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A real w×h RGB PNG of one colour. */
export function makePng(w = 4, h = 4, rgb: [number, number, number] = [217, 37, 74]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function runIdFrom(location: string | undefined): number {
  const m = /\/training\/runs\/(\d+)/.exec(location ?? '');
  if (!m) throw new Error(`not a run URL: ${location}`);
  return Number(m[1]);
}

/** Every answer right. */
export function correctAnswers(module: TrainingModule): Record<string, string> {
  return Object.fromEntries(module.quiz.questions.map((q) => [`q_${q.id}`, String(q.answer)]));
}

/** Starts (or resumes) a run, does every item with its evidence, passes the quiz, submits. Returns the run id. */
export async function completeModule(s: SignedIn, moduleId: string): Promise<number> {
  const module = findTrainingModule(moduleId)!;
  const start = await s.post(`/training/modules/${moduleId}/start`);
  if (start.status !== 303) throw new Error(`start: ${start.status}`);
  const runId = runIdFrom(start.headers.location);
  for (const it of module.items) {
    let res;
    if (it.requires === 'photo') {
      res = await s.agent.post(`/training/runs/${runId}/items/${it.id}`).field('_csrf', s.csrfToken).field('action', 'done').attach('photo', makePng(), { filename: 'p.png', contentType: 'image/png' });
    } else {
      res = await s.post(`/training/runs/${runId}/items/${it.id}`, { action: 'done', ...(it.requires === 'note' ? { note: 'checked on the floor' } : {}) });
    }
    if (res.status !== 303) throw new Error(`item ${it.id}: ${res.status}`);
  }
  const quiz = await s.post(`/training/runs/${runId}/quiz`, correctAnswers(module));
  if (quiz.status !== 303) throw new Error(`quiz: ${quiz.status}`);
  const submit = await s.post(`/training/runs/${runId}/submit`);
  if (submit.status !== 303) throw new Error(`submit: ${submit.status}`);
  return runId;
}

/** ejs's `<%=` escaping, to look for content texts in pages. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}
