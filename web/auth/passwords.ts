import crypto from 'node:crypto';

/**
 * Password hashing with scrypt (node:crypto, no native add-on). The stored string carries its own
 * parameters and salt, PHC style: `$scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>`, so the cost can be
 * raised later without breaking existing hashes (needsRehash tells when to upgrade at sign-in).
 */
const LOG_N = 15; // N = 32768: ~50-100 ms per hash on a laptop core, 32 MiB of memory
const R = 8;
const P = 1;
const KEY_LEN = 32;
const SALT_LEN = 16;
const PREFIX = '$scrypt$';

function scrypt(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128*N*r, which is exactly Node's 32 MiB default at N=2^15, r=8.
    crypto.scrypt(password.normalize('NFC'), salt, KEY_LEN, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_LEN);
  const key = await scrypt(password, salt, LOG_N, R, P);
  return `${PREFIX}ln=${LOG_N},r=${R},p=${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface Parsed {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return undefined;
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounds, so that a corrupted or hostile row cannot make one sign-in burn gigabytes or minutes.
  if (logN < 10 || logN > 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  const key = Buffer.from(m[5], 'base64');
  if (key.length < 16) return undefined;
  return { logN, r, p, salt: Buffer.from(m[4], 'base64'), key };
}

export function isPasswordHash(stored: string): boolean {
  return parse(stored) !== undefined;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const key = await scrypt(password, parsed.salt, parsed.logN, parsed.r, parsed.p);
  return key.length === parsed.key.length && crypto.timingSafeEqual(key, parsed.key);
}

export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.logN < LOG_N || parsed.r !== R || parsed.p !== P || parsed.key.length !== KEY_LEN;
}

let dummyHash: Promise<string> | undefined;
/**
 * For an unknown username, spend the same time as for a wrong password so that response times do
 * not reveal which usernames exist.
 */
export async function burnVerifyTime(password: string): Promise<void> {
  dummyHash ??= hashPassword(crypto.randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummyHash);
}

// No 0/O, 1/l/I: generated passwords are read off a screen and typed by hand.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random password for a new account or a reset (about 93 bits with 16 characters). */
export function generatePassword(length = 16): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[crypto.randomInt(ALPHABET.length)];
  return out;
}

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

/** The rule for passwords people choose themselves; returns an i18n key when it is not met. */
export function passwordProblem(password: string, username?: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return 'account.error.tooShort';
  if (password.length > PASSWORD_MAX_LENGTH) return 'account.error.tooLong';
  if (username && password.toLowerCase().includes(username.toLowerCase())) return 'account.error.containsUsername';
  return undefined;
}
