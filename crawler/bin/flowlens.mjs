#!/usr/bin/env node
// `flowlens` from a checkout: runs the TypeScript sources through tsx (the container runs the
// bundled crawler/dist/flowlens.mjs instead).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
