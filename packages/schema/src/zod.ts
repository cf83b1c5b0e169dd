// `@streamlens/schema/zod`: the zod schemas (the source of truth) and what is generated from them.
// Kept out of the root entry so that no Lambda bundle can pull zod in (see README, "No zod at run
// time").
export * from './json-schema.js';
export * from './schemas.js';
