#!/usr/bin/env node
/*
 * First step of `npm start` and `npm test` on a fresh clone: install dependencies when they are
 * missing or older than package-lock.json, then compile the TypeScript. Plain JavaScript, because
 * it runs before TypeScript is installed. Everything after it (the Temporal CLI, the database) is
 * set up by the TypeScript entry points.
 */
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 17)) {
  console.error(`BoxFlow needs Node.js >= 20.17 (sqlite3 6); this is ${process.versions.node}.`);
  process.exit(1);
}

const installedMarker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
const stale = !fs.existsSync(installedMarker) || fs.statSync(lock).mtimeMs > fs.statSync(installedMarker).mtimeMs + 1000;
if (stale) {
  console.log('[setup] installing dependencies (npm ci) …');
  run('npm ci --no-audit --no-fund');
}

console.log('[setup] compiling TypeScript …');
run('node node_modules/typescript/bin/tsc -p tsconfig.json');
