/**
 * Under the CDK CLI (CDK_OUTDIR set), the plugin's scratch constructs are never synthesized: the
 * cloud assembly holds the app's stacks only.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

test('the cloud assembly written at exit holds only the app\'s own stacks', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecrb-cli-'));
  try {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'cli-app.ts')], {
      encoding: 'utf-8',
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_VALIDATION: 'false', NODE_ENV: 'production' },
      cwd: path.join(__dirname, '..', '..'),
    });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf-8'));
    const stacks = Object.entries<any>(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack').map(([id]) => id);
    expect(stacks).toEqual(['Service']);
    expect(fs.readdirSync(outdir).filter(f => f.endsWith('.template.json'))).toEqual(['Service.template.json']);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
