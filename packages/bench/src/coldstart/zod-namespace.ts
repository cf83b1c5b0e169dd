// `import * as z` lets esbuild keep only what the module uses.
import * as z from 'zod';

export const Schema = z.object({ id: z.string(), value: z.number() });
