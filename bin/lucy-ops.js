#!/usr/bin/env node
// Thin entry: everything lives in dist/bundle (the CLI, bundled by `npm run build`, which `npm ci` runs through the prepare script).
import('../dist/bundle/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/bundle/main.js')) {
      process.stderr.write('lucy-ops: not built yet; run `npm ci` (or `npm run build`) in the lucy-ops folder\n');
    } else {
      process.stderr.write(`lucy-ops: ${err && err.stack ? err.stack : err}\n`);
    }
    process.exitCode = 70;
  });
