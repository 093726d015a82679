// The browser worker thread's entry: it loads its TypeScript through tsx on its own, whatever loaded the API
// thread (bin/bbre.js, the test runner).
import { register } from 'tsx/esm/api';

register();
await import('./browser-worker.host.ts');
