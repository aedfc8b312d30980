#!/usr/bin/env node
import { runCli } from './run.js';

// No top-level await: the file must also work when the package is built as CommonJS.
void runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
