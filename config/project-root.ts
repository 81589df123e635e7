// The checkout's root: the base of relative dataset paths, job commands and fixtures.
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
