import type { Db } from './knex';
import { dbTime, toIso } from './time';

/** Printed documents (shipping labels), stored once so that a reprint is the same label; prints are counted. */
export interface StoredDocument {
  id: number;
  kind: string;
  subject: string;
  contentType: string;
  content: Buffer;
  bytes: number;
  prints: number;
  createdBy: string;
  createdAt: string;
}

export async function getDocument(db: Db, kind: string, subject: string): Promise<StoredDocument | undefined> {
  const r = await db('documents').where({ kind, subject }).first();
  if (!r) return undefined;
  return { id: r.id, kind: r.kind, subject: r.subject, contentType: r.content_type, content: Buffer.from(r.content), bytes: r.bytes, prints: r.prints, createdBy: r.created_by, createdAt: toIso(r.created_at)! };
}

/** Stores a document unless one exists (two first prints at once keep one); returns the stored one. */
export async function storeDocument(db: Db, input: { kind: string; subject: string; contentType: string; content: Buffer; createdBy: string }): Promise<StoredDocument> {
  await db('documents')
    .insert({ kind: input.kind, subject: input.subject, content_type: input.contentType, content: input.content, bytes: input.content.length, prints: 0, created_by: input.createdBy, created_at: dbTime() })
    .onConflict(['kind', 'subject'])
    .ignore();
  return (await getDocument(db, input.kind, input.subject))!;
}

/** Counts one print; returns the number of this print (1 = the first, more = a reprint). */
export async function countPrint(db: Db, id: number): Promise<number> {
  await db('documents').where({ id }).increment('prints', 1);
  return Number((await db('documents').where({ id }).first('prints')).prints);
}
