// `import { z }` pulls zod's whole namespace object, locales included, into a bundle.
import { z } from 'zod';

export const Schema = z.object({ id: z.string(), value: z.number() });
