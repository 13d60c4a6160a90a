/** Least privilege, checked on what ships: the built manifest in dist/. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIST_DIR } from '../support/chromium';

describe('the built manifest', () => {
  const manifest = JSON.parse(readFileSync(join(DIST_DIR, 'manifest.json'), 'utf8')) as Record<string, unknown>;

  it('asks only for what the features use, and for no host', () => {
    expect(manifest.permissions).toEqual(['offscreen', 'unlimitedStorage']);
    expect(manifest).not.toHaveProperty('host_permissions');
    expect(manifest).not.toHaveProperty('optional_host_permissions');
    expect(manifest).not.toHaveProperty('content_scripts');
    expect(manifest).not.toHaveProperty('externally_connectable');
    expect(manifest).not.toHaveProperty('web_accessible_resources');
  });

  it('runs only its own code: no remote script, WebAssembly compiled from its own files', () => {
    expect(manifest.content_security_policy).toEqual({ extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'" });
  });
});
