import { generatePassword, hashPassword, isPasswordHash, needsRehash, passwordProblem, verifyPassword } from '../../web/auth/passwords';

test('a hash is a self-describing scrypt string with a per-hash salt, never the password', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  expect(a).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  expect(a).not.toContain('correct horse');
  expect(a).not.toBe(b); // different salts
  expect(isPasswordHash(a)).toBe(true);
  expect(needsRehash(a)).toBe(false);
});

test('verify accepts the password and refuses anything else', async () => {
  const h = await hashPassword('密码-Zhang-2024!');
  expect(await verifyPassword('密码-Zhang-2024!', h)).toBe(true);
  expect(await verifyPassword('密码-zhang-2024!', h)).toBe(false);
  expect(await verifyPassword('', h)).toBe(false);
});

test('malformed or hostile hash strings are refused without running scrypt at absurd cost', async () => {
  expect(await verifyPassword('x', 'plaintext')).toBe(false);
  expect(await verifyPassword('x', '$scrypt$ln=30,r=8,p=1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==')).toBe(false);
  expect(await verifyPassword('x', '$argon2id$v=19$m=65536,t=3,p=4$abc$def')).toBe(false);
  expect(needsRehash('$scrypt$ln=12,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=')).toBe(true);
});

test('older, cheaper parameters still verify (and are flagged for rehash)', async () => {
  const crypto = await import('node:crypto');
  const salt = crypto.randomBytes(16);
  const key = crypto.scryptSync('old password', salt, 32, { N: 2 ** 12, r: 8, p: 1 });
  const stored = `$scrypt$ln=12,r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
  expect(await verifyPassword('old password', stored)).toBe(true);
  expect(needsRehash(stored)).toBe(true);
});

test('generated passwords are long, random and free of look-alike characters', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const p = generatePassword();
    expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]{16}$/);
    seen.add(p);
  }
  expect(seen.size).toBe(200);
});

test('password rule for passwords people choose', () => {
  expect(passwordProblem('short')).toBe('account.error.tooShort');
  expect(passwordProblem('x'.repeat(201))).toBe('account.error.tooLong');
  expect(passwordProblem('li.na-is-great', 'li.na')).toBe('account.error.containsUsername');
  expect(passwordProblem('a long enough passphrase', 'li.na')).toBeUndefined();
});
