export const SPEC_VERSION = '1.0' as const;
