#!/usr/bin/env node
import { readFileSync } from 'fs';
import { run } from './lifecycle-preview';

process.exitCode = run(process.argv.slice(2), {
  out: text => process.stdout.write(`${text}\n`),
  err: text => process.stderr.write(`${text}\n`),
  readFile: path => readFileSync(path, 'utf8'),
  now: () => new Date(),
});
